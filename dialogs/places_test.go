package dialogs_test

import (
	"strings"
	"testing"

	"tianbao/dialogs"
)

// TestBindNamesThePlace: a button's data names its place compactly, is
// read back exactly, never outgrows Telegram's 64 bytes (too long stays
// unbound, acting on the current place as before), and is not bound twice.
func TestBindNamesThePlace(t *testing.T) {
	for _, c := range []struct {
		contact int64
		data    string
	}{
		{1, "12:edit:0:3"}, {123456789, "rv:4242:ok"}, {1 << 40, "of:3~2019q1"}, {77, "hm:"},
	} {
		b := dialogs.Bind(c.contact, c.data)
		if !strings.HasPrefix(b, "@") || len(b) > dialogs.MaxButtonData {
			t.Errorf("Bind(%d, %q) = %q", c.contact, c.data, b)
		}
		id, rest, ok := dialogs.Bound(b)
		if !ok || id != c.contact || rest != c.data {
			t.Errorf("Bound(%q) = %d %q %v", b, id, rest, ok)
		}
		if again := dialogs.Bind(c.contact+1, b); again != b {
			t.Errorf("bound twice: %q", again)
		}
	}
	long := "inv:r:" + strings.Repeat("x", 40) + ":reviewer:"
	long += strings.Repeat("y", dialogs.MaxButtonData-len(long)-2)
	if b := dialogs.Bind(1<<40, long); b != long {
		t.Errorf("data that would outgrow 64 bytes was bound: %q (%d bytes)", b, len(b))
	}
	for _, bad := range []string{"12:open:1", "@:x", "@zz", "@-1:x", "@0:x", "@!!:x", ""} {
		if id, rest, ok := dialogs.Bound(bad); ok || rest != bad {
			t.Errorf("Bound(%q) = %d %q %v; want unbound, as it is", bad, id, rest, ok)
		}
	}
}
