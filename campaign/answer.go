package campaign

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"tianbao/campaign/parse"
)

// Validate checks a typed answer against field f and returns its canonical
// form, or the message explaining why it was refused.
func Validate(f *Field, text string) (string, string) {
	switch f.Type {
	case Text:
		v := parse.Text(text)
		n := parse.Length(v)
		switch {
		case n == 0:
			return "", fmt.Sprintf("「%s」不能为空，请输入。", f.Label)
		case f.MinLen > 0 && n < f.MinLen:
			return "", fmt.Sprintf("「%s」至少 %d 个字（您输入了 %d 个）。", f.Label, f.MinLen, n)
		case f.MaxLen > 0 && n > f.MaxLen:
			return "", fmt.Sprintf("「%s」最多 %d 个字（您输入了 %d 个）。", f.Label, f.MaxLen, n)
		case f.Kind == PersonName && strings.ContainsAny(parse.Fold(v), "0123456789@"):
			return "", fmt.Sprintf(msg.NotAName, f.Label)
		case f.Pattern != nil && !f.Pattern.MatchString(v):
			if f.PatternMessage != "" {
				return "", fmt.Sprintf("「%s」%s", f.Label, f.PatternMessage)
			}
			return "", fmt.Sprintf(msg.PatternMismatch, f.Label)
		}
		return v, ""
	case Integer, Decimal:
		places := f.Decimals
		if f.Type == Integer {
			places = 0
		}
		quantity := parse.Quantity
		if f.Min == nil || *f.Min < 0 {
			quantity = parse.SignedQuantity // 结余, 增减: negative where the field allows it
		}
		v, err := quantity(text, f.Unit, places)
		if err != nil {
			return "", parseMessage(f, err)
		}
		x, _ := strconv.ParseFloat(v, 64)
		if f.Min != nil && x < *f.Min {
			return "", rangeMessage(f, fmt.Sprintf("「%s」不能小于 %s。", f.Label, formatFloat(*f.Min)))
		}
		if f.Max != nil && x > *f.Max {
			return "", rangeMessage(f, fmt.Sprintf("「%s」不能大于 %s。", f.Label, formatFloat(*f.Max)))
		}
		return v, ""
	case Choice:
		if v, ok := matchChoice(f.Choices, text); ok {
			return v, ""
		}
		return "", fmt.Sprintf("「%s」请从以下选项中选择：%s。", f.Label, strings.Join(f.Choices, " / "))
	case YearMonth, Date:
		p := parse.YearMonth
		if f.Type == Date {
			p = parse.Date
		}
		v, err := p(text)
		if err != nil {
			return "", parseMessage(f, err)
		}
		if (f.After != "" && v < f.After) || (f.Before != "" && v > f.Before) {
			return "", rangeMessage(f, fmt.Sprintf("「%s」须在 %s 至 %s 之间。", f.Label, orDash(f.After), orDash(f.Before)))
		}
		return v, ""
	case Phone:
		v, err := parse.Phone(text)
		if err != nil {
			return "", parseMessage(f, err)
		}
		return v, ""
	case YesNo:
		v, err := parse.YesNo(text)
		if err != nil {
			return "", parseMessage(f, err)
		}
		return v, ""
	case File:
		return "", fmt.Sprintf(msg.FileNotText, f.Label)
	}
	return "", fmt.Sprintf("「%s」的答案无法识别，请重新输入。", f.Label)
}

func rangeMessage(f *Field, generic string) string {
	if f.RangeMessage != "" {
		return f.RangeMessage + "。"
	}
	return generic
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// matchChoice finds the choice a person meant: the exact label, its number
// in the list, or a beginning that fits one choice only.
func matchChoice(choices []string, text string) (string, bool) {
	t := parse.Fold(text)
	if t == "" {
		return "", false
	}
	for _, c := range choices {
		if parse.Fold(c) == t {
			return c, true
		}
	}
	if n, err := strconv.Atoi(t); err == nil && n >= 1 && n <= len(choices) {
		return choices[n-1], true
	}
	var found []string
	for _, c := range choices {
		if strings.HasPrefix(parse.Fold(c), t) {
			found = append(found, c)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return "", false
}

// FileValue is the stored answer of a file field.
type FileValue struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Size int64  `json:"size"`
	Ref  string `json:"ref"`
}

// EncodeFile writes a file answer in its canonical (JSON) form.
func EncodeFile(v FileValue) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// DecodeFile reads a stored file answer.
func DecodeFile(s string) (FileValue, bool) {
	var v FileValue
	if err := json.Unmarshal([]byte(s), &v); err != nil || v.Ref == "" {
		return v, false
	}
	return v, true
}

// Display writes a stored value for people: with its unit, a file by name.
func Display(f *Field, v string) string {
	if v == "" {
		return "（未填）"
	}
	switch f.Type {
	case File:
		if fv, ok := DecodeFile(v); ok {
			return fmt.Sprintf("%s（%s）", fv.Name, HumanSize(fv.Size))
		}
	case Integer, Decimal:
		if f.Unit != "" {
			return v + " " + f.Unit
		}
	}
	return v
}

// Compact writes a value for a one-line summary of a row: figures with a
// short unit and no space (50亩, 3.5万㎡), other values as they are, a
// document by its name.
func Compact(f *Field, v string) string {
	switch f.Type {
	case File:
		if fv, ok := DecodeFile(v); ok {
			return "📎" + fv.Name
		}
	case Integer, Decimal:
		unit := f.Unit
		switch unit {
		case "万平方米", "万平米":
			unit = "万㎡"
		case "平方米":
			unit = "㎡"
		}
		return v + unit
	}
	return v
}

func HumanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// StillValid reports whether a stored answer fits its field as the
// campaign now defines it: a revised campaign file may have changed a
// type, a bound or a choice. One that no longer fits is asked again, is
// not counted as answered, and is not exported under the new field.
func StillValid(f *Field, v string) bool {
	switch f.Type {
	case File:
		return true // a stored document stays what it is
	case Choice:
		for _, c := range f.Choices {
			if c == v {
				return true
			}
		}
		return false
	case YesNo:
		return v == "是" || v == "否"
	case Text:
		// Stored text was cleaned when typed; only its length can have
		// moved.
		n := parse.Length(v)
		return n > 0 && (f.MinLen == 0 || n >= f.MinLen) && (f.MaxLen == 0 || n <= f.MaxLen)
	case Integer, Decimal:
		// Stored figures are canonical ("12.5"): checked without parsing
		// them as typed, on every answer's rules.
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || f.Min != nil && x < *f.Min || f.Max != nil && x > *f.Max {
			return false
		}
		_, frac, _ := strings.Cut(v, ".")
		places := f.Decimals
		if f.Type == Integer {
			places = 0
		}
		return len(frac) <= places
	case YearMonth, Date:
		want := 7
		if f.Type == Date {
			want = 10
		}
		return len(v) == want && (f.After == "" || v >= f.After) && (f.Before == "" || v <= f.Before)
	case Phone:
		return true
	}
	_, problem := Validate(f, v)
	return problem == ""
}

// FitValues is a row's values that still fit their fields (see StillValid).
func FitValues(s *Section, values map[string]string) map[string]string {
	var out map[string]string
	for _, fd := range s.Fields {
		v, ok := values[fd.ID]
		if !ok || v == "" || StillValid(fd, v) {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(values))
			for k, x := range values {
				out[k] = x
			}
		}
		delete(out, fd.ID)
	}
	if out == nil {
		return values
	}
	return out
}
