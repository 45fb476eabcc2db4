package parse

import (
	"math/big"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Units of measure that the number parsers understand. A field's unit (as
// written in a campaign file) decides which suffixes are accepted and how they
// convert: a field in 万平方米 accepts square metres and converts them; a
// field in 亩 refuses square metres rather than convert a figure people
// usually mean as 亩.
var (
	areaWan = []suffix{
		{"万平方米", 0}, {"万平米", 0}, {"万㎡", 0}, {"万m2", 0}, {"万m²", 0}, {"万平", 0},
		{"平方米", -4}, {"平米", -4}, {"㎡", -4}, {"m2", -4}, {"m²", -4}, {"平方", -4},
	}
	// everyUnit lists the suffixes of all the units known here, so that a
	// figure typed with the wrong unit is named as such instead of "not a number".
	everyUnit = []string{"万平方米", "万平米", "万㎡", "万m2", "万m²", "平方米", "平米", "㎡", "m2", "m²", "平方", "公顷", "亩", "万元", "元", "家", "个", "户", "人", "%"}
)

type suffix struct {
	text  string
	shift int // power of ten the figure is multiplied by to reach the field's unit
}

// suffixesFor returns the suffixes a field in unit accepts, and whether the
// unit is 万平方米 (where a bare large figure is suspicious).
func suffixesFor(unit string) ([]suffix, bool) {
	u := strings.ToLower(Fold(unit))
	switch u {
	case "万平方米", "万平米", "万㎡", "万m2", "万m²":
		return areaWan, true
	case "":
		return nil, false
	}
	if strings.ContainsAny(u, "0123456789.,") {
		return nil, false // a unit made of number characters would eat the number
	}
	out := []suffix{{u, 0}}
	// "万元/亩" may be typed as "万元" alone; "家" and "个" are interchangeable counters.
	if i := strings.Index(u, "/"); i > 0 {
		out = append(out, suffix{u[:i], 0})
	}
	// A unit in 万 (万元, 万元/亩, 万人) takes the figure in the unit itself
	// and converts it exactly: 280000元/亩 is 28 万元/亩. Checked after the
	// 万 forms, which end the same way.
	if rest, ok := strings.CutPrefix(u, "万"); ok && rest != "" && rest[0] != '/' {
		out = append(out, suffix{rest, -4})
	}
	if u == "家" || u == "个" {
		out = append(out, suffix{"家", 0}, suffix{"个", 0})
	}
	return out, false
}

var (
	rangeRe   = regexp.MustCompile(`[0-9.]\s*(-|~|～|至|到|—|－)\s*[0-9]`)
	plainRe   = regexp.MustCompile(`^[0-9]*\.?[0-9]*$`)
	groupedRe = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$`)
	digitRe   = regexp.MustCompile(`[0-9]`)
)

// MaxIntegerDigits and MaxDigits bound a figure: at most 12 digits before
// the point (under 1 万亿) and 15 in all. Within them every figure, and the
// sum of thousands of them, is exact in a float64 and in a spreadsheet
// (which keeps 15 significant digits).
const (
	MaxIntegerDigits = 12
	MaxDigits        = 15
)

// Quantity parses a non-negative figure in unit (e.g. "万平方米", "亩", "家",
// or "" for none) with at most decimals places, and returns it in canonical
// form ("6", "0.25"). A figure typed in another accepted unit is converted
// exactly; if the converted figure needs more places than the field keeps
// it is refused (with the exact value), as a figure typed in the field's
// own unit with too many places is: rounding either silently would change
// what the person wrote.
func Quantity(s, unit string, decimals int) (string, error) {
	return quantity(s, unit, decimals, false)
}

// SignedQuantity is Quantity for a field that may be negative (结余, 增减).
func SignedQuantity(s, unit string, decimals int) (string, error) {
	return quantity(s, unit, decimals, true)
}

// spacedDigitsRe finds digits separated by spaces ("1 2", "5　5"): a typo
// or two figures, never one number.
var spacedDigitsRe = regexp.MustCompile(`[0-9][.,]?\s+[.,]?[0-9]`)

func quantity(s, unit string, decimals int, signed bool) (string, error) {
	s = strings.ToLower(Fold(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)))
	if s == "" {
		return "", fail(Empty)
	}
	if spacedDigitsRe.MatchString(s) {
		return "", fail(SpacedDigits)
	}
	s = strings.ReplaceAll(s, " ", "")
	negative := false
	switch {
	case strings.HasPrefix(s, "+") && len(s) > 1 && isDigitOrPoint(s[1]):
		s = s[1:] // "+5" is 5; "50+" stays an estimate
	case strings.HasPrefix(s, "-") && len(s) > 1 && isDigitOrPoint(s[1]):
		negative, s = true, s[1:]
	case strings.HasPrefix(s, "－") || strings.HasPrefix(s, "−"):
		_, size := utf8.DecodeRuneInString(s)
		if rest := s[size:]; rest != "" && isDigitOrPoint(rest[0]) {
			negative, s = true, rest
		}
	}
	if rangeRe.MatchString(s) {
		return "", fail(Range)
	}
	if hasApproxMarker(s) {
		return "", fail(Approximate)
	}
	if s == "-" {
		return "", fail(NotNumber)
	}
	if strings.HasPrefix(s, "-") {
		return "", fail(Negative)
	}
	shift, converted := 0, false
	body := s
	accepted, isAreaWan := suffixesFor(unit)
	for _, sf := range accepted {
		if strings.HasSuffix(body, sf.text) {
			body, shift, converted = strings.TrimSuffix(body, sf.text), sf.shift, sf.shift != 0
			break
		}
	}
	if body == s { // no accepted suffix: is it another unit?
		for _, u := range everyUnit {
			if strings.HasSuffix(body, u) && digitRe.MatchString(body) {
				return "", &Error{Code: WrongUnit, Unit: u}
			}
		}
	}
	canon, err := plainNumber(body)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Code == NotNumber && digitRe.MatchString(body) {
			return "", notUnderstood(body, strings.TrimPrefix(s, body))
		}
		return "", err
	}
	r, ok := new(big.Rat).SetString(canon)
	if !ok {
		return "", fail(NotNumber)
	}
	if shift != 0 {
		r.Mul(r, new(big.Rat).SetFrac(pow10(max(shift, 0)), pow10(max(-shift, 0))))
	}
	// Exact, never rounded: canon has places(canon) decimals, and a shift
	// to a smaller unit adds at most -shift more, so the product's decimal
	// expansion ends within that many digits. (Rounding to a fixed 12
	// stored 12.0000000000000001 as the integer 12, and
	// 0.0000000000000001 as 0.)
	exact := trimZeros(r.FloatString(places(canon) + max(-shift, 0)))
	if places(exact) > decimals {
		switch {
		case converted:
			return "", &Error{Code: ConvertedTooPrecise, Limit: decimals, Value: exact}
		case decimals == 0:
			return "", fail(NotInteger)
		default:
			return "", &Error{Code: TooManyDecimals, Limit: decimals}
		}
	}
	intPart, frac, _ := strings.Cut(exact, ".")
	if len(strings.TrimLeft(intPart, "0")) > MaxIntegerDigits || len(strings.TrimLeft(intPart, "0"))+len(frac) > MaxDigits {
		return "", &Error{Code: TooLarge, Limit: MaxIntegerDigits}
	}
	// A bare figure of ten thousand or more in a 万平方米 field is almost
	// certainly square metres; asking beats storing a park of 6 亿 m².
	if isAreaWan && body == s && r.Cmp(big.NewRat(10000, 1)) >= 0 {
		return "", fail(LooksLikeSquareMetres)
	}
	if negative && exact != "0" {
		if !signed {
			return "", fail(Negative)
		}
		return "-" + exact, nil
	}
	return exact, nil
}

// notUnderstood names what in a typed figure was not understood: a
// character among its digits that is no digit ("6O亩": a letter O), or
// words after the figure that are no unit the field takes ("8万方",
// "280000元/亩" at a 亩 question). body is the figure without the unit
// suffix that was recognised, if any (stripped).
func notUnderstood(body, stripped string) error {
	last := strings.LastIndexFunc(body, func(r rune) bool { return r >= '0' && r <= '9' })
	head, tail := body[:last+1], body[last+1:]
	if i := strings.IndexFunc(head, isForeign); i >= 0 {
		r, _ := utf8.DecodeRuneInString(head[i:])
		return &Error{Code: BadCharacter, Value: string(r)}
	}
	if tail == "" {
		return fail(NotNumber)
	}
	if strings.Trim(tail, "oli〇○") == "" {
		r, _ := utf8.DecodeRuneInString(tail)
		return &Error{Code: BadCharacter, Value: string(r)} // 6O: a letter for a digit
	}
	return &Error{Code: UnknownUnit, Unit: strings.TrimLeft(tail, ".,") + stripped}
}

// isForeign is a character that has no place in a figure.
func isForeign(r rune) bool { return !(r >= '0' && r <= '9' || r == '.' || r == ',') }

func isDigitOrPoint(c byte) bool { return c >= '0' && c <= '9' || c == '.' }

// Integer parses a whole number ≥ 0, with an optional counter suffix (家, 个).
func Integer(s, unit string) (string, error) { return Quantity(s, unit, 0) }

// plainNumber checks s is digits with an optional point and correctly placed
// thousands separators, and returns it without separators or redundant zeros.
func plainNumber(s string) (string, error) {
	if s == "" {
		return "", fail(NotNumber)
	}
	if strings.Contains(s, ",") {
		if !groupedRe.MatchString(s) {
			return "", fail(BadGrouping)
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	if !plainRe.MatchString(s) || !digitRe.MatchString(s) {
		return "", fail(NotNumber)
	}
	if len(strings.TrimLeft(s, "0")) > 40 {
		return "", &Error{Code: TooLarge, Limit: MaxIntegerDigits} // not worth reading further
	}
	return trimZeros(s), nil
}

// trimZeros writes a decimal string canonically: "007.50" -> "7.5", ".5" -> "0.5", "5." -> "5".
func trimZeros(s string) string {
	intPart, frac, hasPoint := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	if hasPoint {
		frac = strings.TrimRight(frac, "0")
	}
	if frac == "" {
		return intPart
	}
	return intPart + "." + frac
}

func places(canon string) int {
	_, frac, _ := strings.Cut(canon, ".")
	return len(frac)
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
