package campaign

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// deep is the built-in campaign with n nested flow lists appended, as the
// adversarial trial wrote it (216 KB at 100,000: 482 s and 22 GB before).
func deep(t testing.TB, n int) *Source {
	src := builtinFile(t)
	src.YAML = append(src.YAML, "\nextra: "+strings.Repeat("[", n)+strings.Repeat("]", n)+"\n"...)
	return src
}

// builtinFile is the built-in campaign's file, as campaign check reads it.
func builtinFile(t testing.TB) *Source {
	src, err := ReadFile("../campaigns/zj-2018-14.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// allocated is what f allocates, in bytes.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDeepYAMLRefusedFast: a file nested 100,000 deep is refused at the
// 51st level, with its position, reading a few hundred bytes of it: it
// allocates less than a tenth of what loading the built-in campaign does,
// and under 1 MB whatever the depth. Both the loader and
// the reading of the units file's name refuse it before any YAML parser.
func TestDeepYAMLRefusedFast(t *testing.T) {
	for _, n := range []int{100_000, 1_000_000} {
		src := deep(t, n)
		var err error
		deepBytes := allocated(func() { _, err = Load(src) })
		want := "lists and mappings nested more than 50 deep"
		// The appended line is the file's last: its number follows the file.
		line := strconv.Itoa(strings.Count(string(src.YAML), "\n"))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "zj-2018-14.yaml:"+line+":") {
			t.Fatalf("depth %d: %v", n, err)
		}
		builtin := builtinFile(t)
		loadBytes := allocated(func() {
			if _, err := Load(builtin); err != nil {
				t.Fatal(err)
			}
		})
		if deepBytes*10 > loadBytes || deepBytes > 1<<20 {
			t.Errorf("depth %d: refusing allocated %d bytes, loading the built-in %d", n, deepBytes, loadBytes)
		}
		// Time is BenchmarkRefuseDeepYAML's to measure: on this shared
		// machine under -race a clock comparison failed at random, while
		// what is allocated says the same (no parse, no tree) exactly.
	}
}

// BenchmarkRefuseDeepYAML reports how long a 100,000-deep file takes to
// refuse (go test ./campaigns -run '^$' -bench RefuseDeep).
func BenchmarkRefuseDeepYAML(b *testing.B) {
	src := deep(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(src); err == nil {
			b.Fatal("loaded")
		}
	}
}

// TestEachLimitWithItsPosition: every limit refuses with its words and the
// position of what passed it; what merely looks like structure in a text
// (a quote in "it's", a bracket in a note, a product in a rule, brackets
// in a block of help text) counts for nothing.
func TestEachLimitWithItsPosition(t *testing.T) {
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString("definitions:\n")
		for i := 0; i < n; i++ {
			b.WriteString("  k" + strconv.Itoa(i) + ": v\n")
		}
		return b.String()
	}
	block := func(n int) string {
		var b strings.Builder
		b.WriteString("definitions:\n")
		for i := 1; i <= n; i++ {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String()
	}
	laughs := func() string {
		var b strings.Builder
		b.WriteString("definitions:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i <= 9; i++ {
			b.WriteString("  l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [")
			for j := 0; j < 10; j++ {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("*l" + strconv.Itoa(i-1))
			}
			b.WriteString("]\n")
		}
		return b.String()
	}
	for _, tt := range []struct {
		name, extra, want string
	}{
		{"flow depth", "definitions: " + strings.Repeat("{a: ", 60) + "1" + strings.Repeat("}", 60) + "\n", "19:210: lists and mappings nested more than 50 deep"},
		{"block depth", block(60), "69:51: lists and mappings nested more than 50 deep"},
		{"keys in one mapping", keys(2500), "2020:3: more than 2000 entries in one mapping or list"},
		{"entries in one flow list", "definitions: [" + strings.Repeat("1, ", 2500) + "1]\n", "19:6013: more than 2000 entries in one mapping or list"},
		{"aliases", "definitions:\n  a: &a 1\n  b: [" + strings.Repeat("*a, ", 1200) + "*a]\n", "21:4007: more than 1000 aliases"},
		{"aliases expanded", laughs(), "with its aliases expanded the file has more than 200000 values"},
		{"a long expression", "", "18:29: the expression is 2006 bytes; one is at most 2000"},
		{"brackets in an expression", "", "18:29: brackets nested 45 deep in one expression; at most 40"},
	} {
		y := minimal + tt.extra
		switch tt.name {
		case "a long expression":
			y = strings.Replace(minimal, "check: a >= b", "check: a >= b"+strings.Repeat(" && a >= b", 200), 1)
		case "brackets in an expression":
			y = strings.Replace(minimal, "check: a >= b", "check: "+strings.Repeat("(", 45)+"a"+strings.Repeat(")", 45)+" >= b", 1)
		}
		_, err := Load(source(y))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, errorHead(err), tt.want)
		}
	}
	// Things that only look like structure.
	for _, y := range []string{
		strings.Replace(minimal, "title: 测试", "title: it's 见 [注1 area * 10000 {x", 1),
		strings.Replace(minimal, "title: 测试", "title: 测试\nhelp: |\n  "+strings.Repeat("[", 100)+"\n  '\n  *a *b\n", 1),
		strings.Replace(minimal, "title: 测试", "title: 测试\nhelp: >-\n  "+strings.Repeat("{", 100)+"\n", 1),
		strings.Replace(minimal, "title: 测试", "title: \"a [ \\\" ' [[[[[[\" # [[[[[[[[", 1),
		strings.Replace(minimal, "check: a >= b", "check: a * 2 >= b * 1", 1),
	} {
		if _, err := Load(source(y)); err != nil {
			t.Errorf("a valid file refused: %v\n%s", err, y)
		}
	}
}

func errorHead(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// TestLoadContextObeysItsContext: a load that would not end stops the
// moment its context does (SIGTERM, Ctrl-C), and one past MaxLoadTime
// would be refused (the limits make that unreachable, so a stand-in load
// that blocks is used).
func TestLoadContextObeysItsContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	loadUnbounded = func(*Source) (*Campaign, error) {
		<-release
		return nil, errors.New("never")
	}
	defer func() { loadUnbounded = Load }()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := LoadContext(ctx, source(minimal))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled load returned %v", err)
	}
	loadUnbounded = Load
	if _, err := LoadContext(context.Background(), source(minimal)); err != nil {
		t.Errorf("a valid file through LoadContext: %v", err)
	}
}
