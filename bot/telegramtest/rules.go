package telegramtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Telegram's rules, as the Bot API documentation states them and as
// Telegram words its refusals. Each check returns the description of a 400
// answer ("Bad Request: …"), or "" when the request is acceptable.
//
// Sources: core.telegram.org/bots/api (BotCommand, sendMessage,
// InlineKeyboardButton, answerCallbackQuery, getFile, setWebhook,
// formatting options), TDLib's BotCommand.cpp (command and description
// wording) and telegram-bot-api's Client.cpp (keyboard parsing, the
// translation of MTProto errors such as REPLY_MARKUP_TOO_LONG and
// QUERY_ID_INVALID into their sentences).
const (
	// MaxText is a message's limit in UTF-16 code units after entities
	// are parsed.
	MaxText = 4096
	// MaxCaption is a document caption's limit.
	MaxCaption = 1024
	// MaxCallbackData is callback_data's limit in bytes (1–64).
	MaxCallbackData = 64
	// MaxButtons is the most buttons an inline keyboard may carry.
	MaxButtons = 100
	// MaxCommands is the most commands setMyCommands takes per scope.
	MaxCommands = 100
	// MaxCallbackAnswer is answerCallbackQuery's text limit (0–200 characters).
	MaxCallbackAnswer = 200
	// MaxDownload is the most a bot may download with getFile (20 MB).
	MaxDownload = 20 << 20
)

// Refusals in Telegram's words.
const (
	ErrChatNotFound      = "Bad Request: chat not found"
	ErrTextEmpty         = "Bad Request: message text is empty"
	ErrTextTooLong       = "Bad Request: message is too long"
	ErrCaptionTooLong    = "Bad Request: message caption is too long"
	ErrButtonData        = "Bad Request: BUTTON_DATA_INVALID"
	ErrButtonText        = "Bad Request: BUTTON_TEXT_INVALID"
	ErrTextButton        = "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
	ErrButtonTwoActions  = "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used to specify the type of the button"
	ErrMarkupTooLong     = "Bad Request: reply markup is too long"
	ErrEditNotFound      = "Bad Request: message to edit not found"
	ErrCantEdit          = "Bad Request: message can't be edited"
	ErrNotModified       = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	ErrQueryTooOld       = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	ErrFileTooBig        = "Bad Request: file is too big"
	ErrInvalidFileID     = "Bad Request: invalid file_id"
	ErrBlocked           = "Forbidden: bot was blocked by the user"
	ErrNotMember         = "Forbidden: bot is not a member of the supergroup chat"
	ErrLeavePrivate      = "Bad Request: chat member status can't be changed in private chats"
	ErrPollConflict      = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	ErrWebhookActive     = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	ErrCommandEmpty      = "Bad Request: command must be non-empty"
	ErrCommandTooLong    = "Bad Request: command length must not exceed 32"
	ErrCommandInvalid    = "Bad Request: BOT_COMMAND_INVALID"
	ErrDescriptionEmpty  = "Bad Request: command description must be non-empty"
	ErrDescriptionLong   = "Bad Request: command description length must not exceed 256"
	ErrTooManyCommands   = "Bad Request: BOT_COMMANDS_TOO_MUCH"
	ErrWebhookNotHTTPS   = "Bad Request: bad webhook: HTTPS url must be provided for webhook"
	ErrWebhookPort       = "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
	ErrSecretToken       = "Bad Request: secret token contains unallowed characters"
	ErrNoDocument        = "Bad Request: there is no document in the request"
	ErrWebAppURL         = "Bad Request: inline keyboard button Web App URL is invalid: Only HTTPS links are allowed"
	ErrMenuWebAppURL     = "Bad Request: menu button Web App URL is invalid: Only HTTPS links are allowed"
	ErrButtonType        = "Bad Request: BUTTON_TYPE_INVALID"
	ErrUnsupportedParse  = "Bad Request: unsupported parse_mode"
	ErrCallbackTextLong  = "Bad Request: MESSAGE_TOO_LONG"
	ErrUnauthorized      = "Unauthorized"
	ErrMethodNotFound    = "Not Found"
	ErrCantParseKeyboard = "Bad Request: can't parse reply keyboard markup JSON object"
)

var commandRe = regexp.MustCompile(`^[a-z0-9_]+$`)

// checkCommands validates setMyCommands' list.
func checkCommands(raw string) ([]map[string]string, string) {
	var cmds []map[string]string
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return nil, "Bad Request: can't parse commands JSON object"
	}
	if len(cmds) > MaxCommands {
		return nil, ErrTooManyCommands
	}
	for _, c := range cmds {
		name := strings.TrimPrefix(strings.TrimSpace(c["command"]), "/")
		desc := strings.TrimSpace(c["description"])
		switch {
		case name == "":
			return nil, ErrCommandEmpty
		case utf8.RuneCountInString(name) > 32:
			return nil, ErrCommandTooLong
		case !commandRe.MatchString(name):
			return nil, ErrCommandInvalid
		case desc == "":
			return nil, ErrDescriptionEmpty
		case utf8.RuneCountInString(desc) > 256:
			return nil, ErrDescriptionLong
		}
	}
	return cmds, ""
}

// wireButton is an inline keyboard button with every kind of action it
// may carry; exactly one must be set.
type wireButton struct {
	Text         *string               `json:"text"`
	CallbackData *string               `json:"callback_data"`
	URL          *string               `json:"url"`
	WebApp       *struct{ URL string } `json:"web_app"`
	CopyText     json.RawMessage       `json:"copy_text"`
	SwitchInline *string               `json:"switch_inline_query"`
	SwitchCur    *string               `json:"switch_inline_query_current_chat"`
	LoginURL     json.RawMessage       `json:"login_url"`
	Pay          *bool                 `json:"pay"`
	CallbackGame json.RawMessage       `json:"callback_game"`
}

// checkKeyboard parses reply_markup as an inline keyboard and applies the
// rules of InlineKeyboardButton: a non-empty label, exactly one action,
// callback_data of 1–64 bytes, web apps on https, at most 100 buttons.
func checkKeyboard(raw string) ([][]Button, string) {
	if raw == "" || raw == "null" {
		return nil, ""
	}
	var kb struct {
		InlineKeyboard [][]wireButton `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, ErrCantParseKeyboard
	}
	var out [][]Button
	n := 0
	for _, row := range kb.InlineKeyboard {
		var r []Button
		for _, b := range row {
			n++
			if b.Text == nil {
				return nil, `Bad Request: can't parse inline keyboard button: Field "text" must be of type String`
			}
			actions := 0
			for _, set := range []bool{b.CallbackData != nil && *b.CallbackData != "", b.URL != nil && *b.URL != "", b.WebApp != nil,
				len(b.CopyText) > 0, b.SwitchInline != nil, b.SwitchCur != nil, len(b.LoginURL) > 0, b.Pay != nil, len(b.CallbackGame) > 0} {
				if set {
					actions++
				}
			}
			switch {
			case actions == 0:
				return nil, ErrTextButton
			case actions > 1:
				return nil, ErrButtonTwoActions
			case strings.TrimSpace(*b.Text) == "":
				return nil, ErrButtonText
			case b.CallbackData != nil && len(*b.CallbackData) > MaxCallbackData:
				return nil, ErrButtonData
			case b.WebApp != nil && !strings.HasPrefix(b.WebApp.URL, "https://"):
				return nil, ErrWebAppURL
			}
			btn := Button{Text: *b.Text}
			if b.CallbackData != nil {
				btn.CallbackData = *b.CallbackData
			}
			if b.URL != nil {
				btn.URL = *b.URL
			}
			if b.WebApp != nil {
				btn.WebApp = b.WebApp.URL
			}
			r = append(r, btn)
		}
		out = append(out, r)
	}
	if n > MaxButtons {
		return nil, ErrMarkupTooLong
	}
	return out, ""
}

// checkText applies sendMessage's and editMessageText's rules to a text
// and its parse_mode, returning the text as Telegram would show it.
func checkText(text, parseMode string, limit int) (string, string) {
	shown := text
	switch parseMode {
	case "":
	case "HTML":
		plain, err := parseHTML(text)
		if err != "" {
			return "", "Bad Request: can't parse entities: " + err
		}
		shown = plain
	case "MarkdownV2":
		plain, err := parseMarkdownV2(text)
		if err != "" {
			return "", "Bad Request: can't parse entities: " + err
		}
		shown = plain
	default:
		return "", ErrUnsupportedParse
	}
	if strings.TrimSpace(shown) == "" {
		return "", ErrTextEmpty
	}
	if utf16Len(shown) > limit {
		if limit == MaxCaption {
			return "", ErrCaptionTooLong
		}
		return "", ErrTextTooLong
	}
	return shown, ""
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// htmlTags are the tags Telegram's HTML parse mode accepts.
var htmlTags = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true,
	"strike": true, "del": true, "span": true, "tg-spoiler": true, "a": true, "code": true, "pre": true,
	"blockquote": true, "tg-emoji": true}

// parseHTML checks the tags of an HTML text nest and close, and that '<',
// '>' and '&' outside tags are escaped; it returns the plain text.
func parseHTML(s string) (string, string) {
	var plain strings.Builder
	var open []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return "", fmt.Sprintf("Unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+j]
			closing := strings.HasPrefix(tag, "/")
			name := strings.ToLower(strings.Fields(strings.TrimPrefix(tag, "/") + " ")[0])
			if !htmlTags[name] {
				return "", fmt.Sprintf("Unsupported start tag \"%s\" at byte offset %d", name, i)
			}
			if closing {
				if len(open) == 0 || open[len(open)-1] != name {
					return "", fmt.Sprintf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, last(open), name)
				}
				open = open[:len(open)-1]
			} else {
				open = append(open, name)
			}
			i += j + 1
		case '&':
			j := strings.IndexByte(s[i:], ';')
			if j < 0 {
				return "", fmt.Sprintf("Character '&' is reserved at byte offset %d", i)
			}
			switch s[i : i+j+1] {
			case "&lt;":
				plain.WriteByte('<')
			case "&gt;":
				plain.WriteByte('>')
			case "&amp;":
				plain.WriteByte('&')
			case "&quot;":
				plain.WriteByte('"')
			default:
				plain.WriteString(s[i : i+j+1])
			}
			i += j + 1
		case '>':
			return "", fmt.Sprintf("Character '>' is reserved at byte offset %d", i)
		default:
			plain.WriteByte(s[i])
			i++
		}
	}
	if len(open) > 0 {
		return "", fmt.Sprintf("Can't find end tag corresponding to start tag \"%s\"", open[len(open)-1])
	}
	return plain.String(), ""
}

func last(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[len(list)-1]
}

// parseMarkdownV2 checks that the reserved characters are escaped and the
// entities close; it returns the plain text.
func parseMarkdownV2(s string) (string, string) {
	const reserved = "_*[]()~`>#+-=|{}.!"
	var plain strings.Builder
	open := map[byte]bool{}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			plain.WriteByte(s[i])
		case c == '*' || c == '_' || c == '~':
			open[c] = !open[c]
		case strings.IndexByte(reserved, c) >= 0:
			return "", fmt.Sprintf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
		default:
			plain.WriteByte(c)
		}
	}
	for c, o := range open {
		if o {
			return "", fmt.Sprintf("Can't find end of %s entity", map[byte]string{'*': "Bold", '_': "Italic", '~': "Strikethrough"}[c])
		}
	}
	return plain.String(), ""
}

// secretRe is setWebhook's secret_token: 1–256 of A-Z, a-z, 0-9, _ and -.
var secretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
