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
	"unicode/utf8"
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
)

// Error is a refused input: its Code, and for TooManyDecimals the limit.
type Error struct {
	Code  Code
	Limit int
	Unit  string // for WrongUnit: the unit that was typed
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

// Text trims and collapses runs of white space to one space. Full-width
// punctuation is kept: it is correct in Chinese text.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// Length is the number of characters (not bytes) in s.
func Length(s string) int { return utf8.RuneCountInString(s) }

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
