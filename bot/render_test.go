package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf16"

	"tianbao/dialogs"
)

func TestSplitLongTexts(t *testing.T) {
	line := strings.Repeat("园", 100) + "\n"
	text := strings.Repeat(line, 100) // 10,100 units
	parts := split(text, maxText)
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	var joined strings.Builder
	for _, p := range parts {
		if n := len(utf16.Encode([]rune(p))); n > maxText {
			t.Errorf("a part has %d units", n)
		}
		if !strings.HasSuffix(p, "园") {
			t.Errorf("a part was cut inside a line")
		}
		joined.WriteString(p + "\n")
	}
	if joined.String() != text {
		t.Errorf("splitting lost text")
	}
	// One line longer than a message, with characters outside the BMP.
	long := strings.Repeat("😀", 3000)
	for _, p := range split(long, maxText) {
		if n := len(utf16.Encode([]rune(p))); n > maxText {
			t.Errorf("a part has %d units", n)
		}
	}
	if got := split("短", maxText); len(got) != 1 || got[0] != "短" {
		t.Errorf("short text: %q", got)
	}
}

func TestKeyboard(t *testing.T) {
	if keyboard(nil) != nil {
		t.Errorf("no buttons, yet a keyboard")
	}
	b, err := json.Marshal(keyboard([][]dialogs.Button{{{Label: "是", Data: "3:choice:1"}, {Label: "否", Data: "3:choice:2"}}}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"inline_keyboard":[[{"text":"是","callback_data":"3:choice:1"},{"text":"否","callback_data":"3:choice:2"}]]}`
	if string(b) != want {
		t.Errorf("keyboard JSON %s, want %s (no copy_text)", b, want)
	}
}
