package dialogs_test

import (
	"archive/zip"
	"bytes"
	"runtime"
	"testing"
)

// docxBytes is a minimal Word document: a zip with word/document.xml.
func docxBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("<w:document/>")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// runtimeProcs is GOMAXPROCS, for sizing parallel benchmarks.
func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
