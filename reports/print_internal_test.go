package reports

import (
	"strings"
	"testing"
)

func TestTextLines(t *testing.T) {
	for _, c := range []struct {
		text  string
		width float64
		want  int
	}{
		{"杭州市西湖区", 14, 1},
		{"0571-87059132", 20.5, 1},
		// Two numbers: LibreOffice breaks after 0571- and keeps
		// 87059132、13957112233 together, cut where it must.
		{"0571-87059132、13957112233", 20.5, 3},
		{"0571-87059132、13957112233", 36, 1},
		// Nine characters of 2.1 in 19 - 1 = 18 units: 8 a line.
		{"杭州市西湖区三墩镇", 19, 2},
		{"一二三四五六七八", 19, 1},
		// A closing mark stays with the character before it.
		{"一二三四五六七八、", 19, 2},
		{"第一行\n第二行", 19, 2},
		{"", 10, 1},
		// A word longer than the line breaks anywhere.
		{strings.Repeat("8", 30), 11, 5}, // 7 digits of 1.3 a line
	} {
		if got := textLines(c.text, c.width); got != c.want {
			t.Errorf("textLines(%q, %v) = %d, want %d", c.text, c.width, got, c.want)
		}
	}
}

// TestFitColumns: a narrow sheet prints upright at full size, its text
// columns widened to the page; a wide one turns landscape and is narrowed
// to its columns' minimum, never below 9 pt; one too wide even so is split.
func TestFitColumns(t *testing.T) {
	text := column{width: 18, min: 11, grow: true}
	number := column{width: 9, min: 9}
	cols := func(n int, c column) []column {
		out := make([]column, n)
		for i := range out {
			out[i] = c
		}
		return out
	}
	narrow := append(cols(2, text), cols(3, number)...)
	w, p := fitColumns(narrow)
	if p.landscape || p.font < cellFont-0.01 || sum(w) <= 63 || sum(w) > widthAt(cellFont, false)+0.01 {
		t.Errorf("narrow sheet: %v, %+v", w, p)
	}
	wide := append(cols(8, text), cols(6, number)...) // 198 units
	w, p = fitColumns(wide)
	if !p.landscape || p.font < minFont || w[0] >= 18 || w[0] < 11 || w[8] != 9 {
		t.Errorf("wide sheet: %v, %+v", w, p)
	}
	if sum(w) > widthAt(easyFont, true)+0.01 {
		t.Errorf("wide sheet not narrowed to %.1f pt: %.1f units", easyFont, sum(w))
	}
	// Forty periods beside a unit's name: groups that each fit.
	groups := splitColumns([]column{text}, cols(40, column{width: 11, min: 11}))
	n := 0
	for _, g := range groups {
		n += len(g)
		_, p := fitColumns(append([]column{text}, g...))
		if p.font < minFont {
			t.Errorf("a group of %d prints at %.1f pt", len(g), p.font)
		}
	}
	if len(groups) < 3 || n != 40 {
		t.Errorf("40 periods in %d groups of %d", len(groups), n)
	}
}
