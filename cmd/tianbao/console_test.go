package main

import (
	"strings"
	"testing"
)

// TestConsoleTypedAnswerIsNeverAButton: at a question that wants a typed
// figure, "3.1" is the answer even where message 3 has a button 1
// (保留当前答案), as the trial's "34.1" at message 34 was not; "[4.1]"
// presses the button.
func TestConsoleTypedAnswerIsNeverAButton(t *testing.T) {
	useTestDatabase(t)
	// Each /back shows the 亩 question again with its current answer and
	// 保留当前答案: messages 2, 3 and 4 (only messages with buttons count).
	// "2.1" is typed at message 2 and "3.1" at message 3, as in the trial.
	code, out, errs := tianbao(t, "附件3\n6\n0\n3\n40\n/back\n2.1\n/back\n3.1\n/back\n[4.1]\n", "console", "--unit", "330106", "--name", "张三")
	if code != 0 {
		t.Fatalf("console: %d %s", code, errs)
	}
	for _, want := range []string{
		"[2.1] 保留当前答案", "[3.1] 保留当前答案", "[4.1] 保留当前答案",
		"✔ 按园区类型 · 生产制造类 · 占地面积（亩）：2.1 亩",
		"✔ 按园区类型 · 生产制造类 · 占地面积（亩）：3.1 亩",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "此按钮已失效") {
		t.Errorf("a typed figure was taken for a stale button:\n%s", out)
	}
	// [4.1] (the third /back's 保留当前答案) kept 3.1: the next question
	// follows without a new answer.
	if i := strings.LastIndex(out, "» [4.1]"); i < 0 || strings.Contains(out[i:], "✔ 按园区类型 · 生产制造类 · 占地面积") || !strings.Contains(out[i:], "入小微园企业数（家）（第 5/9 项）") {
		t.Errorf("[4.1] did not keep the answer:\n%s", out[max(i, 0):])
	}
	code, out, _ = tianbao(t, "", "export", "--campaign", "zj-2018-14", "--unit", "330106", "--form", "a3", "--format", "csv")
	if code != 0 || !strings.Contains(out, "\n6,0,3,3.1,") {
		t.Errorf("export after the console: %d\n%s", code, out)
	}
}

// TestConsoleAmbiguousLabel: a beginning that fits several buttons says
// which, and presses none of them.
func TestConsoleAmbiguousLabel(t *testing.T) {
	useTestDatabase(t)
	// 附件 fits every form's button on the start screen.
	code, out, _ := tianbao(t, "附件\n", "console", "--unit", "330106", "--name", "张三")
	if code != 0 || !strings.Contains(out, "这几个按钮都以此开头") || !strings.Contains(out, "[1.1] 附件1") || !strings.Contains(out, "[1.3] 附件3") {
		t.Errorf("ambiguous label: %d\n%s", code, out)
	}
	if strings.Contains(out, "现在没有待回答的问题") {
		t.Errorf("the ambiguity was sent to the dialog:\n%s", out)
	}
	// A button that was never printed is said to be missing.
	_, out, _ = tianbao(t, "[9.9]\n", "console", "--unit", "330106", "--name", "张三")
	if !strings.Contains(out, "没有 [9.9] 这个按钮") {
		t.Errorf("missing button: %s", out)
	}
}
