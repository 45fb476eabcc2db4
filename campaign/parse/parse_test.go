package parse

import (
	"errors"
	"testing"
)

func code(err error) Code {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return 0
}

func TestQuantity(t *testing.T) {
	tests := []struct {
		in, unit string
		dec      int
		want     string
		err      Code
	}{
		{"6万平方米", "万平方米", 2, "6", 0},
		{"60000平方米", "万平方米", 2, "6", 0},
		{"6万㎡", "万平方米", 2, "6", 0},
		{"60000 m2", "万平方米", 2, "6", 0},
		{"60,000 M2", "万平方米", 2, "6", 0},
		{"12345平方米", "万平方米", 2, "", ConvertedTooPrecise}, // 1.2345: never rounded silently
		{"12300平方米", "万平方米", 2, "1.23", 0},
		{"12345平方米", "万平方米", 4, "1.2345", 0},
		{"1平方米", "万平方米", 2, "", ConvertedTooPrecise},
		{"0.5平方米", "万平方米", 2, "", ConvertedTooPrecise},
		{"1 2", "", 0, "", SpacedDigits},
		{"12 34", "家", 0, "", SpacedDigits},
		{"5　5", "", 0, "", SpacedDigits},
		{"5 5", "", 0, "", SpacedDigits},
		{"1. 5", "", 2, "", SpacedDigits},
		{"50 亩", "亩", 2, "50", 0},
		{"+5", "", 0, "5", 0},
		{"+0", "", 0, "0", 0},
		{"50+", "", 0, "", Approximate},
		{"-0", "", 0, "0", 0},
		{"999999999999", "", 0, "999999999999", 0},
		{"1000000000000", "", 0, "", TooLarge},
		{"99999999999999999999", "", 0, "", TooLarge},
		{"9223372036854775807", "", 0, "", TooLarge},
		{"1234567890.123456", "", 6, "", TooLarge}, // 15 digits in all at most
		{"1234567890.12345", "", 6, "1234567890.12345", 0},
		{"123456789.123456", "", 6, "123456789.123456", 0},
		{"1.5", "万平方米", 2, "1.5", 0},
		{"１．５万平方米", "万平方米", 2, "1.5", 0},
		{"60000", "万平方米", 2, "", LooksLikeSquareMetres},
		{"1.234", "万平方米", 2, "", TooManyDecimals},
		{"50亩", "亩", 2, "50", 0},
		{"５０", "亩", 2, "50", 0},
		{"50.00", "亩", 2, "50", 0},
		{"约50亩", "亩", 2, "", Approximate},
		{"50亩左右", "亩", 2, "", Approximate},
		{"50余亩", "亩", 2, "", Approximate},
		{"30-50", "亩", 2, "", Range},
		{"30～50亩", "亩", 2, "", Range},
		{"3000平方米", "亩", 2, "", WrongUnit},
		{"-5", "亩", 2, "", Negative},
		{"五十", "亩", 2, "", NotNumber},
		{"", "亩", 2, "", Empty},
		{"  ", "亩", 2, "", Empty},
		{"1,234", "", 0, "1234", 0},
		{"1，234，567", "", 0, "1234567", 0},
		{"1,23", "", 0, "", BadGrouping},
		{"3家", "家", 0, "3", 0},
		{"3个", "个", 0, "3", 0},
		{"3.5", "家", 0, "", NotInteger},
		{"007", "", 0, "7", 0},
		{"0", "", 0, "0", 0},
		{".5", "", 2, "0.5", 0},
		{"2.5万元", "万元/亩", 2, "2.5", 0},
		{"2.5万元/亩", "万元/亩", 2, "2.5", 0},
		{"280000元/亩", "万元/亩", 2, "28", 0},
		{"280000元", "万元", 2, "28", 0},
		{"123元/亩", "万元/亩", 2, "", ConvertedTooPrecise},
		{"abc", "", 0, "", NotNumber},
		{".", "", 0, "", NotNumber},
		// Beyond twelve decimals: refused, never rounded first (12 would
		// have passed as an integer, 0.0000000000000001 亩 as 0).
		{"12.0000000000000001", "家", 0, "", NotInteger},
		{"12.000000000000001", "家", 0, "", NotInteger},
		{"0.0000000000000001", "亩", 2, "", TooManyDecimals},
		{"7.00000000000000000000000000001", "亩", 2, "", TooManyDecimals},
		{"7.0000000000000000000000000000", "亩", 2, "7", 0},
		{"0.0000000000001万平方米", "万平方米", 13, "0.0000000000001", 0},
		{"0.00000000000012万元", "万元", 14, "0.00000000000012", 0},
		{"1.00000000000000001平方米", "万平方米", 2, "", ConvertedTooPrecise},
	}
	for _, tt := range tests {
		got, err := Quantity(tt.in, tt.unit, tt.dec)
		if code(err) != tt.err || got != tt.want {
			t.Errorf("Quantity(%q, %q, %d) = %q, code %d; want %q, code %d (err %v)", tt.in, tt.unit, tt.dec, got, code(err), tt.want, tt.err, err)
		}
	}
}

func TestSignedQuantity(t *testing.T) {
	for in, want := range map[string]string{"-5": "-5", "－12.5": "-12.5", "−3": "-3", "-0": "0", "+4": "4", "-1,200.50": "-1200.5", "- 5": "-5"} {
		if got, err := SignedQuantity(in, "", 2); err != nil || got != want {
			t.Errorf("SignedQuantity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, c := range map[string]Code{"--5": Negative, "-约5": Approximate, "-": NotNumber} {
		if _, err := SignedQuantity(in, "", 2); code(err) != c {
			t.Errorf("SignedQuantity(%q): code %d, want %d (%v)", in, code(err), c, err)
		}
	}
	if _, err := Quantity("-5", "", 0); code(err) != Negative {
		t.Errorf("Quantity took a negative figure")
	}
}

func TestYearMonth(t *testing.T) {
	ok := map[string]string{
		"2019-06": "2019-06", "2019-6": "2019-06", "2019.6": "2019-06", "2019/6": "2019-06",
		"2019年6月": "2019-06", "19年6月": "2019-06", "２０１９年６月": "2019-06", "201906": "2019-06",
		"2019年12月份": "2019-12", "2019 6": "2019-06",
	}
	for in, want := range ok {
		if got, err := YearMonth(in); err != nil || got != want {
			t.Errorf("YearMonth(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"2019-13", "2019年13月", "2019-00"} {
		if _, err := YearMonth(in); code(err) != BadMonth {
			t.Errorf("YearMonth(%q): want BadMonth, got %v", in, err)
		}
	}
	for _, in := range []string{"2019", "6月", "明年", "2019年6月15日"} {
		if _, err := YearMonth(in); code(err) != BadYearMonth {
			t.Errorf("YearMonth(%q): want BadYearMonth, got %v", in, err)
		}
	}
}

func TestDate(t *testing.T) {
	ok := map[string]string{
		"2018-11-23": "2018-11-23", "2018.11.23": "2018-11-23", "2018/11/23": "2018-11-23",
		"2018年11月23日": "2018-11-23", "18年11月23日": "2018-11-23", "20181123": "2018-11-23",
		"2018-1-5": "2018-01-05", "２０１８年１月５号": "2018-01-05",
	}
	for in, want := range ok {
		if got, err := Date(in); err != nil || got != want {
			t.Errorf("Date(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Date("2018-02-30"); code(err) != BadDay {
		t.Errorf("Date(2018-02-30): want BadDay, got %v", err)
	}
	if _, err := Date("2018-13-01"); code(err) != BadMonth {
		t.Errorf("Date(2018-13-01): want BadMonth, got %v", err)
	}
	for _, in := range []string{"2018年11月", "昨天"} {
		if _, err := Date(in); code(err) != BadDate {
			t.Errorf("Date(%q): want BadDate, got %v", in, err)
		}
	}
}

func TestPhone(t *testing.T) {
	ok := map[string]string{
		"13812345678":                 "13812345678",
		"138 1234 5678":               "13812345678",
		"138-1234-5678":               "13812345678",
		"+86 138 1234 5678":           "13812345678",
		"１３８１２３４５６７８":                 "13812345678",
		"0571-87059132":               "0571-87059132",
		"057187059132":                "0571-87059132",
		"(0571)87059132":              "0571-87059132",
		"０５７１－８７０５９１３２":               "0571-87059132",
		"0571-87059132转8012":          "0571-87059132-8012",
		"0571-87059132-8012":          "0571-87059132-8012",
		"010-62345678":                "010-62345678",
		"02162345678":                 "021-62345678",
		"0571-86688888，13957112233":   "0571-86688888、13957112233",
		"13957112233 / 0571-86688888": "13957112233、0571-86688888",
		"0571-86688888或13957112233":   "0571-86688888、13957112233",
	}
	for in, want := range ok {
		if got, err := Phone(in); err != nil || got != want {
			t.Errorf("Phone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]Code{
		"87059132":     PhoneNeedsAreaCode,
		"1381234567":   MobileLength, // ten digits
		"12812345678":  BadPhone,     // 12x is not a mobile prefix
		"0571-123":     BadPhone,
		"电话号码":         BadPhone,
		"":             Empty,
		"138123456789": MobileLength,
		"0571-86688888，13957112233，13800000000": TooManyPhones,
		"0571-86688888，1395711223":              MobileLength, // the second of two is checked as well
	}
	for in, want := range bad {
		if _, err := Phone(in); code(err) != want {
			t.Errorf("Phone(%q): want code %d, got %v", in, want, err)
		}
	}
}

func TestYesNo(t *testing.T) {
	for in, want := range map[string]string{"是": "是", "否": "否", "Yes": "是", "ｎｏ": "否", "有": "是"} {
		if got, err := YesNo(in); err != nil || got != want {
			t.Errorf("YesNo(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := YesNo("也许"); code(err) != BadYesNo {
		t.Errorf("YesNo(也许): %v", err)
	}
}

func TestText(t *testing.T) {
	if got := Text("  西湖区\u3000小微企业园 \n 联席会议 "); got != "西湖区 小微企业园 联席会议" {
		t.Errorf("Text: %q", got)
	}
	if got := Text("杭政办函〔2018〕12号"); got != "杭政办函〔2018〕12号" {
		t.Errorf("Text changed full-width punctuation: %q", got)
	}
}
