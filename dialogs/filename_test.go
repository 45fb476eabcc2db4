package dialogs_test

import (
	"path/filepath"
	"strings"
	"testing"
	"tianbao/campaign"
	"unicode/utf8"
)

// TestFileNameIsSafeToUnpack: an upload's name can neither climb out of
// the folder an export is unpacked into (with / or \ as the separator, or
// a Windows drive) nor be too long for a file system, and keeps what it
// says about the content.
func TestFileNameIsSafeToUnpack(t *testing.T) {
	tests := []struct {
		name  string
		kinds []string
		want  string
	}{
		{"../../../../etc/cron.d/x.pdf", []string{"pdf"}, ".._.._.._.._etc_cron.d_x.pdf"},
		{`..\..\..\..\..\..\evil.pdf`, []string{"pdf"}, ".._.._.._.._.._.._evil.pdf"},
		{`C:\Windows\System32\x.pdf`, []string{"pdf"}, "C__Windows_System32_x.pdf"},
		{`a<b>c:d"e|f?g*h.docx`, []string{"docx"}, "a_b_c_d_e_f_g_h.docx"},
		{"规划\x00\u202efdp.docx", []string{"pdf"}, "规划fdp.pdf"},
		{"", nil, "文件"},
		{"意见.pdf", []string{"pdf"}, "意见.pdf"},
	}
	for _, tt := range tests {
		if got := campaign.FileName(tt.name, tt.kinds); got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, long := range []string{strings.Repeat("a", 300) + ".pdf", strings.Repeat("规", 300) + ".pdf", strings.Repeat("规", 300)} {
		got := campaign.FileName(long, []string{"pdf"})
		if len(got) > campaign.MaxFileNameBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, ".pdf") {
			t.Errorf("a %d-byte name became %q (%d bytes)", len(long), got, len(got))
		}
		if !filepath.IsLocal(got) {
			t.Errorf("%q is not local", got)
		}
	}
	for _, tt := range tests {
		if got := campaign.FileName(tt.name, tt.kinds); !filepath.IsLocal(got) || strings.ContainsAny(got, `/\:`) {
			t.Errorf("%q is not a plain name", got)
		}
	}
}
