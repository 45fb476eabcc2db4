package parse

import (
	"errors"
	"testing"
)

// TestWhatWasNotUnderstood: a figure with words that are no unit, or a
// character that is no digit, is refused naming them (the trial's 8万方 and
// 6O亩 were told only 需要填写阿拉伯数字).
func TestWhatWasNotUnderstood(t *testing.T) {
	tests := []struct {
		in, unit    string
		code        Code
		unitOrValue string
	}{
		{"8万方", "亩", UnknownUnit, "万方"},
		{"280000元/亩", "亩", UnknownUnit, "元/亩"},
		{"12个左", "家", UnknownUnit, "个左"},
		{"6O亩", "亩", BadCharacter, "o"},
		{"1O", "", BadCharacter, "o"},
		{"5x3", "", BadCharacter, "x"},
		{"三十", "亩", NotNumber, ""},
		{"abc", "", NotNumber, ""},
	}
	for _, tt := range tests {
		_, err := Quantity(tt.in, tt.unit, 2)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tt.code {
			t.Errorf("Quantity(%q, %q) = %v, want code %d", tt.in, tt.unit, err, tt.code)
			continue
		}
		if got := pe.Unit + pe.Value; got != tt.unitOrValue {
			t.Errorf("Quantity(%q, %q) names %q, want %q", tt.in, tt.unit, got, tt.unitOrValue)
		}
	}
}

func TestYearMonthWithAPartOfTheMonth(t *testing.T) {
	for in, want := range map[string]string{"2019年6月底": "2019-06", "2019年6月末": "2019-06", "19年6月初": "2019-06", "2019年6月下旬": "2019-06", "2019年6月份": "2019-06"} {
		if got, err := YearMonth(in); err != nil || got != want {
			t.Errorf("YearMonth(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"2019年6月前", "2019年底", "6月底"} {
		if got, err := YearMonth(in); err == nil {
			t.Errorf("YearMonth(%q) = %q, want refused", in, got)
		}
	}
}

func TestLandlineLengthByAreaCode(t *testing.T) {
	for in, want := range map[string]string{
		"0571-87059132": "0571-87059132", // 杭州: eight
		"0572-2123456":  "0572-2123456",  // 湖州: seven
		"010-62345678":  "010-62345678",
		"0591-8765432":  "0591-8765432", // not in the table: seven or eight as typed
		"0591-87654321": "0591-87654321",
	} {
		if got, err := Phone(in); err != nil || got != want {
			t.Errorf("Phone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, limit := range map[string]int{"0571-8705913": 8, "0572-21234567": 7, "010-6234567": 8, "0571-8705913、13957112233": 8} {
		_, err := Phone(in)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != LandlineLength || pe.Limit != limit {
			t.Errorf("Phone(%q) = %v, want LandlineLength %d", in, err, limit)
		}
	}
}
