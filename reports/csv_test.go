package reports

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestWriteCSVReadsBack(t *testing.T) {
	table := Table{
		Header: []string{"文件名称", "文号"},
		Rows:   [][]string{{"关于\"园区\"的意见, 第一号", "杭政办函〔2018〕12号"}, {"多行\n文本", ""}},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, table, true); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no UTF-8 BOM: % x", raw[:3])
	}
	records, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 3 || records[1][0] != table.Rows[0][0] || records[2][0] != "多行\n文本" || records[1][1] != "杭政办函〔2018〕12号" {
		t.Errorf("read back %q", records)
	}
	b.Reset()
	if err := WriteCSV(&b, table, false); err != nil || bytes.HasPrefix(b.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Errorf("BOM written when not asked (%v)", err)
	}
}

// TestCSVFormulasAreNeutralised: a county can type anything into a text
// field; in the coordinator's spreadsheet it must stay text (D8).
func TestCSVFormulasAreNeutralised(t *testing.T) {
	table := Table{Header: []string{"名称", "数量"}, Rows: [][]string{
		{`=HYPERLINK("http://evil.example/x","点击")`, "-5"},
		{"+1+1", "+3.5"},
		{"-1+1", "12"},
		{"@SUM(1)", "0"},
		{"\tcmd", "-0.5"},
		{"\rcmd", "=1"},
		{"正常文本", ""},
	}}
	var b bytes.Buffer
	if err := WriteCSV(&b, table, false); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"名称", "数量"},
		{`'=HYPERLINK("http://evil.example/x","点击")`, "-5"},
		{"'+1+1", "+3.5"},
		{"'-1+1", "12"},
		{"'@SUM(1)", "0"},
		{"'\tcmd", "-0.5"},
		{"'\rcmd", "'=1"},
		{"正常文本", ""},
	}
	for i := range want {
		for j := range want[i] {
			if records[i][j] != want[i][j] {
				t.Errorf("row %d col %d: %q, want %q", i, j, records[i][j], want[i][j])
			}
		}
	}
	if table.Rows[0][0][0] != '=' {
		t.Errorf("the table itself was changed")
	}
}
