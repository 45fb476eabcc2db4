package dialogs_test

import (
	"runtime"
	"testing"

	"tianbao/dialogs/dialogtest"
)

// docxBytes is a minimal Word document.
func docxBytes(t *testing.T) []byte { return dialogtest.Docx() }

// runtimeProcs is GOMAXPROCS, for sizing parallel benchmarks.
func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
