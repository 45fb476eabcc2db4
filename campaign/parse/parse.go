// Package parse turns what people type on a phone into canonical values:
// numbers with full-width digits and thousands separators, areas in 万平方米
// or square metres, land in 亩, year-months and dates in the many ways Chinese
// officials write them, and phone numbers. Every parser is pure, never panics,
// and is idempotent: parsing a canonical value returns it unchanged.
//
// Parsers reject rather than guess: "约50亩" is refused with a hint, not read
// as 50. Errors carry a Code so that the caller can show a message from its
// own catalogue; this package holds no user-facing text.
package parse

import (
	"strings"
	"unicode"
)

// Code names why an input was refused.
type Code int

// The reasons an input can be refused.
const (
	Empty                 Code = iota + 1
	NotNumber                  // no digits where a number is asked ("三", "abc")
	Approximate                // "约50", "50左右", "50余", "50+": refused, never guessed
	Range                      // "3-5", "3~5": a range where one figure is asked
	Negative                   // a minus sign where none is allowed
	NotInteger                 // "3.5" where a whole number is asked
	TooManyDecimals            // more decimals than the field allows (Limit)
	BadGrouping                // "1,23": thousands separators in the wrong place
	WrongUnit                  // a unit this field cannot take, e.g. 平方米 for 亩
	LooksLikeSquareMetres      // a bare figure too large to be 万平方米
	BadYearMonth               // not a year and month
	BadDate                    // not a calendar date
	BadPhone                   // neither a mobile nor a landline number
	PhoneNeedsAreaCode         // a 7-8 digit local number without its area code
	BadYesNo                   // not 是/否
	SpacedDigits               // "1 2": digits with a space between them
	ConvertedTooPrecise        // "12345平方米" for a 万平方米 field of 2 places: 1.2345 (Value)
	TooLarge                   // more digits than are stored and summed exactly (Limit: digits before the point)
	BadMonth                   // a year-month or date whose month is not 1-12 (2019年13月)
	BadDay                     // a date whose day the month does not have (2月30日)
	MobileLength               // a mobile number with the wrong number of digits (Limit: how many)
	TooManyPhones              // more than two numbers in one answer
	UnknownUnit                // a figure followed by words that are no unit this field takes (8万方 for 亩: Unit)
	BadCharacter               // a character in a figure that is no digit (6O亩, a letter O: Value)
	LandlineLength             // a landline whose local number has the wrong length for its area code (Limit: digits wanted, Value: the area code)
)

// Error is a refused input: its Code, and for TooManyDecimals the limit.
type Error struct {
	Code  Code
	Limit int
	Unit  string // for WrongUnit: the unit that was typed
	Value string // for ConvertedTooPrecise: the exact converted figure
}

func (e *Error) Error() string { return "parse: refused input, code " + itoa(int(e.Code)) }

func fail(c Code) error { return &Error{Code: c} }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Fold maps full-width ASCII (ＡＢＣ１２３，．) to half-width, the ideographic
// space to a space, and trims. It is what people mean when they type on a
// Chinese keyboard in full-width mode; it is not applied to free text, where
// full-width punctuation is correct Chinese.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		case r == '，':
			r = ','
		case r == '。':
			r = '.'
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// Text cleans typed text for storing: invalid UTF-8, NUL and the other
// control characters (which PostgreSQL refuses or a screen cannot show) and
// the bidirectional controls (which turn "规划‮fdp.exe" into "规划exe.pdf"
// on screen) are removed, runs of white space become one space, and
// invisible characters at either end are trimmed. Full-width punctuation is
// kept: it is correct in Chinese text.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), isBidiControl(r), r == '\uFEFF':
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimFunc(s, func(r rune) bool { return Invisible(r) || r == ' ' })
}

// isBidiControl reports the explicit directional marks and embeddings.
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C
}

// Invisible reports a character that shows nothing by itself: format
// characters (zero-width space and joiners, U+2060, the soft hyphen),
// combining marks and variation selectors, and the blank letters (U+3164
// Hangul filler, U+2800 blank Braille pattern). A text made only of these
// is empty, whatever its length in characters.
func Invisible(r rune) bool {
	switch r {
	case 0x3164, 0x115F, 0x1160, 0xFFA0, 0x2800, 0x180E:
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}

// Length is the number of visible characters in s (not bytes, and not the
// invisible ones: "西\u200b" is one).
func Length(s string) int {
	n := 0
	for _, r := range s {
		if !Invisible(r) {
			n++
		}
	}
	return n
}

// Clean makes a name (a file's, a person's) safe to store and show: Text,
// and "" when nothing visible is left.
func Clean(s string) string {
	s = Text(s)
	if Length(s) == 0 {
		return ""
	}
	return s
}

// approxMarkers are words that make a figure an estimate. A form asks for a
// figure; an estimate must be resolved by the person, not by the parser.
var approxMarkers = []string{"约", "大约", "大概", "左右", "余", "多", "以上", "以下", "不到", "近", "超过", "+", "≈", "~", "～"}

func hasApproxMarker(s string) bool {
	for _, m := range approxMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
