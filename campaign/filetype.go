package campaign

import (
	"archive/zip"
	"bytes"
	"path"
	"strings"

	"tianbao/campaign/parse"
)

// FileName is the name an upload is stored and shown under: its own name
// cleaned of what cannot be stored or would mislead on screen (NUL, control
// and bidirectional characters), and with the extension of what its content
// is when the name claims another (a PDF called a.docx is a.pdf). kinds is
// SniffFile's verdict.
//
// A name is also made safe to unpack anywhere it is exported to (the ZIP of
// a unit's documents): every character some file system reads as a path
// separator or refuses (/ \ : * ? " < > |) becomes _, so that no entry can
// climb out of the folder it is unpacked into, even where \ separates
// folders; and it is kept within MaxFileNameBytes, its extension kept.
func FileName(name string, kinds []string) string {
	name = parse.Clean(unsafeInName.Replace(name))
	if name == "" {
		name = msg.UnnamedFile
	}
	if len(kinds) > 0 {
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
		matches := false
		for _, k := range kinds {
			if ext == k || (k == "jpg" && ext == "jpeg") {
				matches = true
			}
		}
		if !matches {
			if ext != "" && len(ext) <= 5 {
				name = strings.TrimSuffix(name, path.Ext(name))
			}
			name += "." + kinds[0]
		}
	}
	return shortenName(name, MaxFileNameBytes)
}

// MaxFileNameBytes bounds a stored file's name: most file systems refuse a
// name over 255 bytes, and an export puts a prefix (表 2-) before it.
const MaxFileNameBytes = 180

// unsafeInName replaces what a path or a file system would read in a name.
var unsafeInName = strings.NewReplacer("/", "_", "\\", "_", ":", "_", "*", "_", "?", "_", "\"", "_", "<", "_", ">", "_", "|", "_")

// shortenName cuts a name to at most limit bytes at a character boundary,
// keeping its extension (a short one) whole.
func shortenName(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	ext := path.Ext(name)
	if len(ext) > 10 {
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	cut := 0
	for i := range base {
		if i > limit-len(ext) {
			break
		}
		cut = i
	}
	return base[:cut] + ext
}

// SniffFile says what a file's content is, whatever its name claims: "pdf",
// "jpg", "png", the OLE family of old Office and WPS files ("doc", "wps",
// "xls", which share one container), and the zip family told apart by their
// entries ("docx", "xlsx", "ofd", else "zip"). Nothing is returned for
// anything else.
func SniffFile(content []byte) []string {
	switch {
	case bytes.HasPrefix(content, []byte("%PDF-")):
		return []string{"pdf"}
	case bytes.HasPrefix(content, []byte{0xFF, 0xD8, 0xFF}):
		return []string{"jpg"}
	case bytes.HasPrefix(content, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}):
		return []string{"png"}
	case bytes.HasPrefix(content, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return []string{"doc", "wps", "xls"}
	case bytes.HasPrefix(content, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			return nil
		}
		for _, f := range zr.File {
			switch {
			case strings.HasPrefix(f.Name, "word/"):
				return []string{"docx"}
			case strings.HasPrefix(f.Name, "xl/"):
				return []string{"xlsx"}
			case strings.EqualFold(f.Name, "OFD.xml"):
				return []string{"ofd"}
			}
		}
		return []string{"zip"}
	}
	return nil
}
