package dialogs_test

import (
	"context"
	"testing"
	"time"

	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
)

// upload is a file as a transport offers it, counting its fetches.
type upload struct {
	name    string
	content []byte
	unique  string
	fetched int
}

func (u *upload) input() dialogs.Input {
	return dialogs.Input{File: &dialogs.FileInput{Name: u.name, Size: int64(len(u.content)), UniqueID: u.unique,
		Load: func(context.Context) ([]byte, error) { u.fetched++; return u.content, nil }}}
}

func fileRows(t *testing.T, env *dialogtest.Env) int {
	t.Helper()
	var n int
	if err := env.DB.GetContext(context.Background(), &n, `SELECT count(*) FROM files`); err != nil {
		t.Fatal(err)
	}
	return n
}

// atPlanFile brings a county to 附件4's 正式规划文本, a file field that takes
// pdf, doc, docx, wps and ofd.
func atPlanFile(c *dialogtest.Chat) *dialogtest.Chat {
	return c.Say("/start").Press("附件4").Press("本地单独编制").Expect("正式规划文本（第 2/2 项）")
}

// TestUnaskedOrRefusedFilesLeaveNoRow: a file sent where no file is asked
// for is not even fetched; one too big for its field is not fetched; one of
// a type the field refuses is fetched to be judged, and not stored. Each
// says why, and none leaves a row.
func TestUnaskedOrRefusedFilesLeaveNoRow(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	pdf := &upload{name: "a.pdf", content: []byte("%PDF-1.4 twenty megabytes, say")}
	c.Say("/start").Send(pdf.input()).Expect("现在不需要上传文件。", "请选择要填写的表格")
	c.Press("附件3").Send(pdf.input()).Expect("现在不需要上传文件。", "新建成（家）")
	if pdf.fetched != 0 || fileRows(t, env) != 0 {
		t.Errorf("an unasked file was fetched %d times, %d rows stored", pdf.fetched, fileRows(t, env))
	}
	atPlanFile(c)
	exe := &upload{name: "规划.pdf", content: []byte("MZ\x90\x00 an executable")}
	c.Send(exe.input()).Expect("文件类型不符：「规划.pdf」的类型无法识别", "正式规划文本（第 2/2 项）")
	jpg := &upload{name: "scan.pdf", content: []byte("\xff\xd8\xff\xe0 a photo")}
	c.Send(jpg.input()).Expect("文件类型不符：「scan.jpg」看起来是 jpg 文件")
	big := &upload{name: "big.pdf", content: []byte("%PDF-1.4")}
	in := big.input()
	in.File.Size = 21 << 20 // as the transport reports it, before any fetch
	c.Send(in).Expect("文件太大（21.0 MB）")
	if big.fetched != 0 {
		t.Errorf("a file too big for its field was fetched")
	}
	if n := fileRows(t, env); n != 0 {
		t.Errorf("%d refused files stored", n)
	}
	c.Send(pdf.input()).Expect("✔ 正式规划文本：a.pdf")
	if n := fileRows(t, env); n != 1 {
		t.Errorf("%d rows after the one wanted file", n)
	}
}

// TestFileQuota: past a unit's bytes, or a field's files, an upload is
// refused with the figures, and nothing is stored.
func TestFileQuota(t *testing.T) {
	env := newEnv(t)
	env.Engine.FileQuota = dialogs.FileQuota{UnitBytes: 2 << 20, PerField: 2}
	c := env.Contact("330106", "张三")
	atPlanFile(c)
	one := &upload{name: "一.pdf", content: append([]byte("%PDF-1.4 "), make([]byte, 1500<<10)...)}
	c.Send(one.input()).Expect("✔ 正式规划文本：一.pdf")
	c.Say("/back").Expect("正式规划文本（第 2/2 项）")
	two := &upload{name: "二.pdf", content: append([]byte("%PDF-1.4 "), make([]byte, 600<<10)...)}
	c.Send(two.input()).Expect("「二.pdf」（600 KB）没有保存：本单位已存文件 1.5 MB，每个单位最多 2.0 MB。如确需上传，请联系管理员。")
	if n := fileRows(t, env); n != 1 {
		t.Errorf("%d rows after a refused upload", n)
	}
	small := func(s string) *upload { return &upload{name: s + ".pdf", content: []byte("%PDF-1.4 " + s)} }
	c.Send(small("二").input()).Expect("✔ 正式规划文本：二.pdf")
	c.Say("/back").Send(small("三").input()).Expect("「三.pdf」没有保存：「正式规划文本」已存 2 个文件，每项最多 2 个。如确需上传，请联系管理员。")
	if n := fileRows(t, env); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

// TestSameFileStoredOnce: the same Telegram file (file_unique_id) sent
// again is neither fetched nor stored again, and so is the same content
// under another id.
func TestSameFileStoredOnce(t *testing.T) {
	env := newEnv(t)
	c := env.Contact("330106", "张三")
	atPlanFile(c)
	f := &upload{name: "规划.pdf", content: []byte("%PDF-1.4 the plan"), unique: "AgADxyz"}
	c.Send(f.input()).Expect("✔ 正式规划文本：规划.pdf")
	for i := 0; i < 3; i++ {
		c.Say("/back").Send(f.input()).Expect("✔ 正式规划文本：规划.pdf")
	}
	copyOf := &upload{name: "副本.pdf", content: f.content, unique: "AgADother"}
	c.Say("/back").Send(copyOf.input()).Expect("✔ 正式规划文本：副本.pdf")
	if f.fetched != 1 || copyOf.fetched != 1 {
		t.Errorf("fetched %d and %d times, want once each", f.fetched, copyOf.fetched)
	}
	if n := fileRows(t, env); n != 1 {
		t.Errorf("%d rows for one file", n)
	}
}

// TestOrphanFilesRemovedAfterGrace: a file no answer refers to any longer
// (replaced) goes once its grace period has passed, not before; the one
// the draft holds stays, and so does one only an earlier submission holds.
func TestOrphanFilesRemovedAfterGrace(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	c := env.Contact("330106", "张三")
	city := env.Reviewer("330100", "李审核")
	atPlanFile(c)
	pdf := func(s string) *upload { return &upload{name: s + ".pdf", content: []byte("%PDF-1.4 " + s)} }
	c.Send(pdf("旧").input()).Expect("✔ 正式规划文本：旧.pdf")
	c.Say("/back").Send(pdf("交").input()).Expect("✔ 正式规划文本：交.pdf")
	for _, v := range []string{"10", "1000", "800", "25", "20", "3"} {
		c.Say(v)
	}
	for i := 0; i < 4; i++ {
		for _, v := range []string{"10", "1000", "800", "25", "20", "3"} {
			c.Say(v)
		}
	}
	c.Expect("全部填写完毕").Press("✅ 提交").Expect("已提交")
	city.Inbox().Press("↩️ 退回").Say("规划文本不对").Press("确认退回")
	c.Inbox().Press("去修改").Press("改：正式规划文本").Send(pdf("新").input()).Expect("✔ 正式规划文本：新.pdf")
	if n := fileRows(t, env); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	if files, _, err := env.DB.RemoveOrphanFiles(ctx, time.Hour); err != nil || files != 0 {
		t.Errorf("within the grace period: removed %d (%v)", files, err)
	}
	if _, err := env.DB.ExecContext(ctx, `UPDATE files SET touched_at = now() - interval '2 hours'`); err != nil {
		t.Fatal(err)
	}
	files, bytes, err := env.DB.RemoveOrphanFiles(ctx, time.Hour)
	if err != nil || files != 1 || bytes != int64(len("%PDF-1.4 旧")) {
		t.Errorf("after the grace period: removed %d files, %d bytes (%v), want the one replaced", files, bytes, err)
	}
	var left []string
	if err := env.DB.SelectContext(ctx, &left, `SELECT name FROM files ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0] != "交.pdf" || left[1] != "新.pdf" {
		t.Errorf("left %v, want the submitted one and the draft's", left)
	}
}
