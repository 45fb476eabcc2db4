package campaign

import (
	"os"
	"strings"
	"testing"
)

// FuzzLoad feeds the loader arbitrary files: it must never panic, and it
// either returns a campaign or problems with positions, never both.
func FuzzLoad(f *testing.F) {
	f.Add(minimal)
	f.Add(strings.Replace(minimal, "integer", "choice", 1))
	f.Add("id: x\nforms: [")
	for _, name := range []string{"zj-2018-14.yaml", "zj-2019-parks-quarterly.yaml"} {
		if b, err := os.ReadFile("../campaigns/" + name); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, yaml string) {
		c, err := Load(source(yaml))
		if (c == nil) == (err == nil) {
			t.Fatalf("campaign %v with error %v", c, err)
		}
		if ps, ok := err.(Problems); ok {
			for _, p := range ps {
				if p.Line < 1 || p.Col < 1 {
					t.Fatalf("problem without a position: %+v", p)
				}
			}
		}
	})
}
