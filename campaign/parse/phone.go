package parse

import (
	"regexp"
	"strings"
)

var (
	mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	// An extension after the number: 转8012, 分机8012, ext8012, x8012, #8012.
	extensionRe = regexp.MustCompile(`(?i)(?:转|分机|ext\.?|x|#)\s*([0-9]{1,6})$`)
	separators  = strings.NewReplacer(" ", "", "-", "", "—", "", "－", "", "(", "", ")", "", "（", "", "）", "", ".", "")
	onlyDigits  = regexp.MustCompile(`^[0-9]+$`)
)

// phoneListRe splits an answer that gives two numbers, as the notice's
// 联系方式 column often does (a landline and a mobile): 、，,;；/ or 或.
var phoneListRe = regexp.MustCompile(`\s*(?:[、，,;；/]|或)\s*`)

// Phone normalises a mobile number to its 11 digits ("13812345678") and a
// landline to area code, number and optional extension ("0571-87059132",
// "0571-87059132-8012"). A +86 prefix is dropped. Two numbers, each valid,
// are kept joined by 、 ("0571-86688888、13957112233").
func Phone(s string) (string, error) {
	s = strings.TrimSpace(Fold(s))
	if s == "" {
		return "", fail(Empty)
	}
	parts := phoneListRe.Split(strings.Trim(s, "、，,;；/ "), -1)
	if len(parts) > 2 {
		return "", fail(TooManyPhones)
	}
	if len(parts) == 2 {
		a, err := onePhone(parts[0])
		if err != nil {
			return "", err
		}
		b, err := onePhone(parts[1])
		if err != nil {
			return "", err
		}
		return a + "、" + b, nil
	}
	return onePhone(s)
}

func onePhone(s string) (string, error) {
	if s == "" {
		return "", fail(Empty)
	}
	ext := ""
	if m := extensionRe.FindStringSubmatchIndex(s); m != nil {
		ext = s[m[2]:m[3]]
		s = strings.TrimSpace(s[:m[0]])
	} else if parts := strings.Split(s, "-"); len(parts) == 3 && strings.HasPrefix(parts[0], "0") {
		// "0571-87059132-8012": the third group is the extension.
		ext, s = parts[2], parts[0]+"-"+parts[1]
	}
	digits := separators.Replace(s)
	digits = strings.TrimPrefix(digits, "+")
	if !onlyDigits.MatchString(digits) || (ext != "" && !onlyDigits.MatchString(ext)) {
		return "", fail(BadPhone)
	}
	if strings.HasPrefix(digits, "86") && len(digits) == 13 {
		digits = digits[2:]
	}
	if mobileRe.MatchString(digits) {
		if ext != "" {
			return "", fail(BadPhone)
		}
		return digits, nil
	}
	if !strings.HasPrefix(digits, "0") {
		if len(digits) == 7 || len(digits) == 8 {
			return "", fail(PhoneNeedsAreaCode)
		}
		if digits[0] == '1' && len(digits) >= 9 && len(digits) <= 13 && len(digits) != 11 && ext == "" {
			return "", &Error{Code: MobileLength, Limit: len(digits)} // a digit too few or too many
		}
		return "", fail(BadPhone)
	}
	// Area codes: 010 and 020-029 have three digits, all others four.
	areaLen := 4
	if len(digits) > 2 && (digits[1] == '1' || digits[1] == '2') {
		areaLen = 3
	}
	if len(digits) <= areaLen {
		return "", fail(BadPhone)
	}
	area, local := digits[:areaLen], digits[areaLen:]
	if len(local) < 7 || len(local) > 8 || local[0] == '0' || local[0] == '1' {
		return "", fail(BadPhone)
	}
	if want, known := localDigits(area); known && len(local) != want {
		return "", &Error{Code: LandlineLength, Limit: want, Value: area}
	}
	out := area + "-" + local
	if ext != "" {
		out += "-" + ext
	}
	return out, nil
}

// localDigits is how many digits a landline's local number has under an
// area code, where that is known for certain: every three-digit area code
// (010, 020–029) has eight; Zhejiang's have eight in 杭州 0571, 宁波 0574,
// 温州 0577, 嘉兴 0573, 绍兴 0575, 金华 0579 and 台州 0576, and seven in 湖州
// 0572, 衢州 0570, 丽水 0578 and 舟山 0580. Elsewhere a number of seven or
// eight digits is taken as typed: a wrong refusal costs more than a typo.
func localDigits(area string) (int, bool) {
	if len(area) == 3 {
		return 8, true
	}
	switch area {
	case "0571", "0574", "0577", "0573", "0575", "0579", "0576":
		return 8, true
	case "0572", "0570", "0578", "0580":
		return 7, true
	}
	return 0, false
}
