package parse

import "testing"

// Each fuzz target checks the two promises of this package: no panic, and a
// canonical value parses to itself.

func FuzzQuantity(f *testing.F) {
	for _, s := range []string{"6万平方米", "60000平方米", "约50亩", "1,234.5", "１２", "3-5", ".5", "60000 m2"} {
		f.Add(s, "万平方米", 2)
		f.Add(s, "亩", 2)
		f.Add(s, "家", 0)
	}
	f.Fuzz(func(t *testing.T, s, unit string, dec int) {
		dec = ((dec % 5) + 5) % 5
		out, err := Quantity(s, unit, dec)
		if err != nil {
			return
		}
		again, err := Quantity(out, unit, dec)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, out, again, err)
		}
	})
}

func FuzzYearMonth(f *testing.F) {
	for _, s := range []string{"2019-06", "19年6月", "2019.6", "201906", "２０１９年６月"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		idempotent(t, YearMonth, s)
	})
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{"2018-11-23", "18年11月23日", "20181123", "2018.1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		idempotent(t, Date, s)
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"0571-87059132", "13812345678", "+86 138 1234 5678", "0571-87059132转8012", "(010)12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		idempotent(t, Phone, s)
	})
}

func FuzzText(f *testing.F) {
	f.Add("  a \u3000 b ")
	f.Fuzz(func(t *testing.T, s string) {
		idempotent(t, func(s string) (string, error) { return Text(s), nil }, s)
	})
}

func idempotent(t *testing.T, p func(string) (string, error), s string) {
	t.Helper()
	out, err := p(s)
	if err != nil {
		return
	}
	again, err := p(out)
	if err != nil || again != out {
		t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, out, again, err)
	}
}
