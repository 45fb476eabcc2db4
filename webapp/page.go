package webapp

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"tianbao/catalog"
)

// The page is assembled once from its parts: page.html names them as
// {{file}} where they go (the style, the bridge to Telegram, the views),
// and {{texts}} for the catalogue's words. A new view is a new script file,
// included after desk.js in its script element (form.js, the form on the
// page; its style after page.css). Everything is inline, so the page is one
// request; the Content-Security-Policy allows exactly these scripts and
// styles by their SHA-256, and nothing inline besides (no 'unsafe-inline':
// a string that slipped past escaping could not run).
//
//go:embed page.html page.css bridge.js desk.js form.css form.js
var parts embed.FS

// page is the assembled page; pageCSP its Content-Security-Policy without
// frame-ancestors (which depends on the server's web origins).
var page, pageCSP = assemble()

var include = regexp.MustCompile(`\{\{([a-z.]+)\}\}`)

func assemble() ([]byte, string) {
	texts := map[string]any{"states": catalog.DeskStates()}
	for k, v := range catalog.DeskTexts {
		texts[k] = v
	}
	for k, v := range catalog.PageFormTexts {
		if _, twice := texts[k]; twice {
			panic("the page's word " + k + " is in DeskTexts and PageFormTexts")
		}
		texts[k] = v
	}
	words, err := json.Marshal(texts) // escapes <, > and &: the words cannot end their element
	if err != nil {
		panic(err)
	}
	html, err := parts.ReadFile("page.html")
	if err != nil {
		panic(err)
	}
	out := include.ReplaceAllFunc(html, func(m []byte) []byte {
		name := string(include.FindSubmatch(m)[1])
		if name == "texts" {
			return words
		}
		b, err := parts.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("page.html includes %s: %v", name, err))
		}
		return bytes.TrimSpace(b)
	})
	var scripts, styles []string
	for _, m := range inlineCode.FindAllSubmatch(out, -1) {
		tag, attrs, code := string(m[1]), m[2], m[3]
		if bytes.Contains(attrs, []byte("application/json")) {
			continue // data, never run
		}
		sum := sha256.Sum256(code)
		hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if tag == "style" {
			styles = append(styles, hash)
		} else {
			scripts = append(scripts, hash)
		}
	}
	csp := "default-src 'none'; script-src " + strings.Join(scripts, " ") + "; style-src " + strings.Join(styles, " ") +
		"; img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'"
	return out, csp
}

// inlineCode finds the page's <script> and <style> elements: the tag's
// name, its attributes, the code.
var inlineCode = regexp.MustCompile(`(?s)<(script|style)([^>]*)>(.*?)</(?:script|style)>`)
