package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The limits a campaign file is read within. A campaign is a few hundred
// lines nested a dozen deep; a file far past these is a mistake or an
// attack, and is refused before the YAML parser sees it, in time and memory
// proportional to what was read up to the limit. Without them, 216 KB of
// nested "[" took the parser 482 s and 22 GB, 20,000 keys in one mapping
// 3 s (the parser is quadratic in both), four megabytes of aliases 11 s
// and a gigabyte, and a million nested parentheses in a rule crashed the
// program with a stack overflow.
const (
	// MaxNesting bounds lists and mappings inside each other (block and
	// flow style together).
	MaxNesting = 50
	// MaxNodes bounds the keys, list items and flow entries of a file.
	MaxNodes = 100_000
	// MaxKeys bounds the entries of one mapping or flow collection.
	MaxKeys = 2_000
	// MaxAliases bounds the uses of anchors (*name).
	MaxAliases = 1_000
	// MaxExpanded bounds the nodes of the file with every alias replaced
	// by what it names (ten anchors of ten aliases each are 10^10).
	MaxExpanded = 200_000
	// MaxExpressionBytes bounds one expression (check, when, expr, value).
	MaxExpressionBytes = 2_000
	// MaxExpressionNesting bounds brackets inside one expression or
	// message: the rules' compiler descends the Go stack per bracket.
	MaxExpressionNesting = 40
	// MaxLoadTime bounds LoadContext.
	MaxLoadTime = 10 * time.Second
)

// compiledKeys are the keys whose values are compiled: expressions (all
// but message) and messages with expressions in {…}.
var compiledKeys = map[string]bool{"check": true, "when": true, "expr": true, "value": true, "message": true}

// LoadContext is Load that gives up when ctx ends (SIGTERM, Ctrl-C) or after
// MaxLoadTime, whichever comes first. The limits above keep a load far
// shorter; this is the last word for whatever they do not foresee.
func LoadContext(ctx context.Context, src *Source) (*Campaign, error) {
	ctx, cancel := context.WithTimeout(ctx, MaxLoadTime)
	defer cancel()
	type result struct {
		c   *Campaign
		err error
	}
	done := make(chan result, 1)
	load := loadUnbounded
	go func() {
		c, err := load(src)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, Problems{{File: src.Name, Line: 1, Col: 1, Msg: fmt.Sprintf("reading the file took longer than %s; a campaign file is read in well under a second", MaxLoadTime)}}
		}
		return nil, fmt.Errorf("load campaign %s: %w", src.Name, ctx.Err())
	}
}

// loadUnbounded is what LoadContext bounds (a test makes it slow).
var loadUnbounded = Load

// parse is the loader's parse of the file: the byte-level limits first,
// then the parser, then the limits only the syntax tree shows (aliases
// expanded, expressions). It returns Problems.
func (l *loader) parse() (*ast.File, error) {
	if p, over := overLimits(l.src.Name, l.src.YAML); over {
		return nil, Problems{p}
	}
	file, err := parser.ParseBytes(l.src.YAML, 0)
	if err != nil {
		return nil, l.yamlProblem(err)
	}
	if p, over := treeOverLimits(l.src.Name, file); over {
		return nil, Problems{p}
	}
	return file, nil
}

// overLimits reads the file's bytes once, as a YAML reader would see its
// structure (indentation, flow brackets, quotes, comments, block scalars,
// aliases), and reports the first limit it passes, at its position. It
// reads structure as the parser would closely enough for limits set far
// above any real campaign; it may count a level the parser would not (a
// plain text continued on a more indented line).
func overLimits(name string, b []byte) (FileProblem, bool) {
	var s limitScan
	s.name = name
	line := 0
	for len(b) > 0 {
		line++
		var text []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			text, b = b[:i], b[i+1:]
		} else {
			text, b = b, nil
		}
		if p, over := s.line(line, bytes.TrimSuffix(text, []byte("\r"))); over {
			return p, true
		}
	}
	return FileProblem{}, false
}

// limitScan is overLimits' state between lines.
type limitScan struct {
	name    string
	blocks  []scanFrame // block collections open, by indentation
	flows   []scanFrame // flow collections open, innermost last
	quote   byte        // the quote of a quoted scalar running on, or 0
	inLit   bool        // inside a block scalar (| or >) …
	literal int         // … whose text is indented more than this
	nodes   int
	aliases int
}

type scanFrame struct {
	indent  int
	entries int
	mapping bool
}

func (s *limitScan) problem(line, col int, format string, args ...any) (FileProblem, bool) {
	return FileProblem{File: s.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}, true
}

func (s *limitScan) depth() int { return len(s.blocks) + len(s.flows) }

// line scans one line.
func (s *limitScan) line(n int, text []byte) (FileProblem, bool) {
	indent := 0
	for indent < len(text) && text[indent] == ' ' {
		indent++
	}
	blank := indent == len(text)
	if s.inLit {
		if blank || indent > s.literal {
			return FileProblem{}, false // text of a block scalar: not structure
		}
		s.inLit = false
	}
	col := 0
	if s.quote == 0 && len(s.flows) == 0 {
		// A line in block context: its indentation places it.
		if blank || text[indent] == '#' || text[indent] == '%' {
			return FileProblem{}, false
		}
		if bytes.HasPrefix(text, []byte("---")) || bytes.HasPrefix(text, []byte("...")) {
			s.blocks = s.blocks[:0]
			return FileProblem{}, false
		}
		if p, over := s.entry(n, indent, indent); over {
			return p, over
		}
		col = indent
		// "- - a: 1": each dash opens a list one level deeper.
		for col < len(text) && text[col] == '-' && (col+1 == len(text) || text[col+1] == ' ') {
			next := col + 1
			for next < len(text) && text[next] == ' ' {
				next++
			}
			if next == len(text) || text[next] == '#' {
				break
			}
			if p, over := s.entry(n, next, next); over {
				return p, over
			}
			col = next
		}
	}
	return s.rest(n, indent, text, col)
}

// entry places a block entry at an indentation: a sibling of the
// collection at that indentation, or the first entry of a deeper one.
func (s *limitScan) entry(line, col, indent int) (FileProblem, bool) {
	for len(s.blocks) > 0 && s.blocks[len(s.blocks)-1].indent > indent {
		s.blocks = s.blocks[:len(s.blocks)-1]
	}
	if k := len(s.blocks); k > 0 && s.blocks[k-1].indent == indent {
		s.blocks[k-1].entries++
		if s.blocks[k-1].entries > MaxKeys {
			return s.problem(line, col+1, "more than %d entries in one mapping or list; a campaign needs far fewer", MaxKeys)
		}
	} else {
		s.blocks = append(s.blocks, scanFrame{indent: indent, entries: 1})
		if s.depth() > MaxNesting {
			return s.problem(line, col+1, "lists and mappings nested more than %d deep; a campaign needs far fewer", MaxNesting)
		}
	}
	s.nodes++
	if s.nodes > MaxNodes {
		return s.problem(line, col+1, "more than %d keys and list items; a campaign file needs far fewer", MaxNodes)
	}
	return FileProblem{}, false
}

// rest scans a line from col on: quotes, comments, flow brackets, aliases
// and the start of a block scalar.
func (s *limitScan) rest(line, indent int, text []byte, col int) (FileProblem, bool) {
	for i := col; i < len(text); i++ {
		c := text[i]
		if s.quote != 0 {
			switch {
			case s.quote == '"' && c == '\\':
				i++ // an escaped character
			case c == s.quote && s.quote == '\'' && i+1 < len(text) && text[i+1] == '\'':
				i++ // '' inside single quotes
			case c == s.quote:
				s.quote = 0
			}
			continue
		}
		if c == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t') {
			return FileProblem{}, false // a comment
		}
		if c != '"' && c != '\'' && c != '[' && c != '{' && c != ']' && c != '}' && c != ',' && c != '*' && c != '|' && c != '>' {
			continue
		}
		flow := len(s.flows) > 0
		// Quotes, brackets, aliases and block scalars begin only where a
		// value begins: "it's" is no quote, "见 [注1" in a text no list,
		// "area * 10000" no alias.
		begins := valueBegins(text, i, flow)
		switch {
		case (c == '"' || c == '\'') && begins:
			s.quote = c
		case (c == '[' || c == '{') && begins:
			s.flows = append(s.flows, scanFrame{mapping: c == '{', entries: 1})
			if s.depth() > MaxNesting {
				return s.problem(line, i+1, "lists and mappings nested more than %d deep; a campaign needs far fewer", MaxNesting)
			}
			s.nodes++
		case (c == ']' || c == '}') && flow:
			s.flows = s.flows[:len(s.flows)-1]
		case c == ',' && flow:
			f := &s.flows[len(s.flows)-1]
			f.entries++
			s.nodes++
			if f.entries > MaxKeys {
				return s.problem(line, i+1, "more than %d entries in one mapping or list; a campaign needs far fewer", MaxKeys)
			}
		case c == '*' && begins:
			s.aliases++
			if s.aliases > MaxAliases {
				return s.problem(line, i+1, "more than %d aliases (*name); a campaign needs far fewer", MaxAliases)
			}
		case (c == '|' || c == '>') && begins && !flow && blockScalarHeader(text[i+1:]):
			s.inLit, s.literal = true, indent
			return FileProblem{}, false
		}
		if s.nodes > MaxNodes {
			return s.problem(line, i+1, "more than %d keys and list items; a campaign file needs far fewer", MaxNodes)
		}
	}
	return FileProblem{}, false
}

// valueBegins reports whether a value may begin at text[i]: at the start of
// the line's content, after "key: ", "- " or "? ", inside a flow
// collection after [ { , or : — an anchor or tag (&x, !!seq) may come
// between. It looks back a bounded way, so that a long line costs linear
// time.
func valueBegins(text []byte, i int, flow bool) bool {
	j := lastNonBlank(text, i-1)
	spaced := j < i-1
	if j >= 0 && spaced {
		t := j // the start of the token before, if it is an anchor or tag
		for t >= 0 && j-t < 128 && text[t] != ' ' && text[t] != '\t' {
			t--
		}
		if (t < 0 || text[t] == ' ' || text[t] == '\t') && (text[t+1] == '&' || text[t+1] == '!') {
			j = lastNonBlank(text, t)
			spaced = j < t
		}
	}
	if j < 0 {
		return true
	}
	switch p := text[j]; {
	case flow && (p == '[' || p == '{' || p == ',' || p == ':'):
		return true
	case p == ':' || p == '-' || p == '?':
		return spaced
	}
	return false
}

// lastNonBlank is the index of the last byte at or before i that is not a
// space or tab, or -1.
func lastNonBlank(text []byte, i int) int {
	for i >= 0 && (text[i] == ' ' || text[i] == '\t') {
		i--
	}
	return i
}

// blockScalarHeader reports whether what follows | or > is a block
// scalar's header: indicators (+, -, a digit), then nothing or a comment.
func blockScalarHeader(rest []byte) bool {
	for i, c := range rest {
		switch {
		case c == '+' || c == '-' || c >= '1' && c <= '9':
		case c == ' ' || c == '\t':
			t := bytes.TrimLeft(rest[i:], " \t")
			return len(t) == 0 || t[0] == '#'
		default:
			return false
		}
	}
	return true
}

// treeOverLimits reports what only the syntax tree shows: how large the
// file is with its aliases expanded, and expressions too long or nested
// too deep to compile safely.
func treeOverLimits(name string, file *ast.File) (FileProblem, bool) {
	anchors := map[string]ast.Node{}
	var p FileProblem
	over := false
	fail := func(n ast.Node, format string, args ...any) {
		if over {
			return
		}
		over = true
		p = FileProblem{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf(format, args...)}
		if t := n.GetToken(); t != nil && t.Position != nil {
			p.Line, p.Col = t.Position.Line, t.Position.Column
		}
	}
	sizes := map[ast.Node]int{}
	var size func(n ast.Node, depth int) int
	size = func(n ast.Node, depth int) int {
		if n == nil || over {
			return 0
		}
		if s, ok := sizes[n]; ok {
			return s
		}
		if depth > 2*MaxNesting+10 {
			fail(n, "aliases nested more than %d deep", MaxNesting)
			return 0
		}
		total := 1
		switch x := n.(type) {
		case *ast.AnchorNode:
			total = size(x.Value, depth+1)
			if x.Name != nil {
				anchors[x.Name.String()] = x.Value
			}
		case *ast.AliasNode:
			if x.Value != nil {
				if target, ok := anchors[x.Value.String()]; ok {
					total = size(target, depth+1)
				}
			}
		case *ast.TagNode:
			total = size(x.Value, depth+1)
		case *ast.MappingNode:
			for _, v := range x.Values {
				total += size(v, depth+1)
			}
		case *ast.MappingValueNode:
			total += size(x.Key, depth+1) + size(x.Value, depth+1)
			if k, ok := x.Key.(*ast.StringNode); ok && compiledKeys[k.Value] {
				text := ""
				switch v := x.Value.(type) {
				case *ast.StringNode:
					text = v.Value
				case *ast.LiteralNode:
					if v.Value != nil {
						text = v.Value.Value
					}
				}
				if d := bracketDepth(text); d > MaxExpressionNesting {
					fail(x.Value, "brackets nested %d deep in one expression; at most %d", d, MaxExpressionNesting)
				}
				if k.Value != "message" && len(text) > MaxExpressionBytes {
					fail(x.Value, "the expression is %d bytes; one is at most %d", len(text), MaxExpressionBytes)
				}
			}
		case *ast.SequenceNode:
			for _, v := range x.Values {
				total += size(v, depth+1)
			}
		}
		if total > MaxExpanded {
			fail(n, "with its aliases expanded the file has more than %d values; a campaign needs far fewer", MaxExpanded)
		}
		sizes[n] = total
		return total
	}
	for _, doc := range file.Docs {
		if doc != nil {
			size(doc.Body, 0)
		}
	}
	return p, over
}

// bracketDepth is the deepest nesting of ( [ { in s.
func bracketDepth(s string) int {
	depth, deepest := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ')', ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return deepest
}
