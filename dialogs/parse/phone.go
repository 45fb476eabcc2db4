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

// Phone normalises a mobile number to its 11 digits ("13812345678") and a
// landline to area code, number and optional extension ("0571-87059132",
// "0571-87059132-8012"). A +86 prefix is dropped.
func Phone(s string) (string, error) {
	s = Fold(s)
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
	out := area + "-" + local
	if ext != "" {
		out += "-" + ext
	}
	return out, nil
}
