package bot_test

import (
	"strings"
	"testing"
)

// TestUnaskedFilesNeitherFetchedNorStored is the trial's flood: ten 20 MB
// PDFs sent from the home screen. Each is told it is not wanted, none is
// fetched from Telegram, none stored. Where a file is asked for, the same
// Telegram file sent twice (forwarded again) is fetched and stored once.
func TestUnaskedFilesNeitherFetchedNorStored(t *testing.T) {
	h := newHarness(t)
	h.start("")
	p := h.member(7201, "张三", "330106")
	big := h.fake.AddFileSized([]byte("%PDF-1.4 a big plan"), 20_000_000)
	for i := 0; i < 10; i++ {
		p.Forward(big, "plan.pdf", "application/pdf").Expect("现在不需要上传文件。")
	}
	if n := h.count(`SELECT count(*) FROM files`); n != 0 || h.fake.Downloads() != 0 || h.fake.Calls("getFile") != 0 {
		t.Errorf("unasked files: %d rows, %d downloads, %d getFile", n, h.fake.Downloads(), h.fake.Calls("getFile"))
	}
	p.Press("附件4").Expect("规划编制方式（第 1/2 项）").Press("本地单独编制").Expect("正式规划文本（第 2/2 项）")
	p.Forward(big, "plan.pdf", "application/pdf").Expect("✔ 正式规划文本：plan.pdf")
	p.Say("/back").Expect("正式规划文本（第 2/2 项）")
	p.Forward(big, "规划（定稿）.pdf", "application/pdf").Expect("✔ 正式规划文本：规划（定稿）.pdf")
	if n := h.count(`SELECT count(*) FROM files`); n != 1 || h.fake.Downloads() != 1 {
		t.Errorf("one file sent twice: %d rows, %d downloads", n, h.fake.Downloads())
	}
	for _, e := range h.fake.Events(7201, 0) {
		if strings.Contains(e.Text, "抱歉") {
			t.Errorf("apology: %q", e.Text)
		}
	}
}
