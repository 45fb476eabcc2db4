package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeConsoleExamples are the README's piped console examples: the
// printf's input (escapes resolved) and the console's arguments.
func readmeConsoleExamples(t *testing.T) [][2]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^printf '([^']*)' \| go run \./cmd/tianbao (console [^\n]*)$`)
	var out [][2]string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		out = append(out, [2]string{strings.ReplaceAll(m[1], `\n`, "\n"), m[2]})
	}
	if len(out) < 2 {
		t.Fatalf("the README's console examples were not found (found %d)", len(out))
	}
	return out
}

// TestReadmeConsoleExamplesWorkOnEveryRun runs the README's console
// examples as written, again and again: the per-question one answers one
// new question a run until the form is complete, never stopping at a
// warning or a stale button; the whole-form one submits, and a second run
// finds the form submitted.
func TestReadmeConsoleExamplesWorkOnEveryRun(t *testing.T) {
	useTestDatabase(t)
	examples := readmeConsoleExamples(t)
	stepwise, whole := examples[0], examples[1]
	seen := map[string]bool{}
	for run := 1; run <= 11; run++ {
		code, out, errs := tianbao(t, stepwise[0], strings.Fields(stepwise[1])...)
		if code != 0 {
			t.Fatalf("run %d: exit %d %s", run, code, errs)
		}
		for _, bad := range []string{"此按钮已失效", "请确认", "确认无误", "没有保存"} {
			if strings.Contains(out, bad) {
				t.Fatalf("run %d stopped at %q:\n%s", run, bad, out)
			}
		}
		saved := regexp.MustCompile(`✔ [^\n]*`).FindAllString(out, -1)
		switch {
		case run <= 9 && len(saved) != 1:
			t.Fatalf("run %d answered %d questions, want 1:\n%s", run, len(saved), out)
		case run <= 9 && seen[saved[0]]:
			t.Fatalf("run %d answered the same question again: %s", run, saved[0])
		case run <= 9:
			seen[saved[0]] = true
		case !strings.Contains(out, "全部填写完毕"):
			t.Fatalf("run %d: the complete form's review is not shown:\n%s", run, out)
		}
	}
	code, out, errs := tianbao(t, whole[0], strings.Fields(whole[1])...)
	if code != 0 || !strings.Contains(out, "附件3（已提交）") {
		t.Fatalf("the whole-form example did not submit: %d %s\n%s", code, errs, out)
	}
	code, out, _ = tianbao(t, whole[0], strings.Fields(whole[1])...)
	if code != 0 || !strings.Contains(out, "已提交，正在等待审核") || strings.Contains(out, "没有保存") {
		t.Fatalf("the whole-form example's second run: %d\n%s", code, out)
	}
}
