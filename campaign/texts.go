package campaign

import "tianbao/catalog"

// msg is the conversation's catalogue, whose sentences the checks of answers
// and rules share with the engine.
var msg = catalog.Chat

// parseMessage explains a refused input for field f.
func parseMessage(f *Field, err error) string {
	return catalog.ParseMessage(f.Label, f.Unit, f.Example, err)
}
