package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	tgbot "github.com/go-telegram/bot"
)

// The calls made for every update (sendMessage, editMessageText,
// answerCallbackQuery) go out as JSON, which the Bot API accepts for every
// method without a file. The library sends each call as a multipart form
// streamed through a pipe from a goroutine of its own, in chunked encoding:
// under load that was a third of the bot's CPU and most of its syscalls.
// Errors are the library's, so one retry policy covers both paths.

// sendMessageRequest and friends are the parameters we use, as the Bot API
// names them.
type sendMessageRequest struct {
	ChatID      int64           `json:"chat_id"`
	Text        string          `json:"text"`
	ReplyMarkup *inlineKeyboard `json:"reply_markup,omitempty"`
}

type editMessageTextRequest struct {
	ChatID      int64           `json:"chat_id"`
	MessageID   int             `json:"message_id"`
	Text        string          `json:"text"`
	ReplyMarkup *inlineKeyboard `json:"reply_markup,omitempty"`
}

type answerCallbackRequest struct {
	CallbackQueryID string `json:"callback_query_id"`
	Text            string `json:"text,omitempty"`
}

// apiAnswer is the Bot API's envelope.
type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// API is a Bot API server and a bot's token: the calls tianbao makes with
// JSON bodies (the bot's hot path, and tianbao doctor).
type API struct {
	URL, Token string
	HTTP       *http.Client
}

// Call posts one method with params as JSON and decodes its result into
// result (nil: the result is not needed). A refusal is one of the Telegram
// library's errors (tgbot.ErrorBadRequest …), with Telegram's description.
func (a API) Call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL+"/bot"+a.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: cannot build request", method)
	}
	req.Header.Set("Content-Type", "application/json")
	client := a.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the URL, and the URL holds the token.
		return fmt.Errorf("%s: %s", method, redact(err.Error(), a.Token))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	var ans apiAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("%s: HTTP %d, unreadable answer", method, resp.StatusCode)
	}
	if !ans.OK {
		return apiError(method, ans)
	}
	if result != nil {
		if err := json.Unmarshal(ans.Result, result); err != nil {
			return fmt.Errorf("%s: unreadable result: %w", method, err)
		}
	}
	return nil
}

// call posts one Bot API method with a JSON body.
func (b *Bot) call(ctx context.Context, method string, params any) error {
	return b.callResult(ctx, method, params, nil)
}

// callResult is call, decoding the method's result into result.
func (b *Bot) callResult(ctx context.Context, method string, params, result any) error {
	return API{URL: b.cfg.APIURL, Token: b.cfg.Token, HTTP: b.api}.Call(ctx, method, params, result)
}

// apiError maps a refusal to the library's errors.
func apiError(method string, a apiAnswer) error {
	switch a.ErrorCode {
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{Message: a.Description, RetryAfter: a.Parameters.RetryAfter}
	case http.StatusForbidden:
		return fmt.Errorf("%s: %w, %s", method, tgbot.ErrorForbidden, a.Description)
	case http.StatusBadRequest:
		return fmt.Errorf("%s: %w, %s", method, tgbot.ErrorBadRequest, a.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%s: %w, %s", method, tgbot.ErrorUnauthorized, a.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%s: %w, %s", method, tgbot.ErrorNotFound, a.Description)
	case http.StatusConflict:
		return fmt.Errorf("%s: %w, %s", method, tgbot.ErrorConflict, a.Description)
	}
	return fmt.Errorf("%s: error %d, %s", method, a.ErrorCode, a.Description)
}

func (b *Bot) sendMessage(ctx context.Context, chat int64, text string, kb *inlineKeyboard) error {
	return b.call(ctx, "sendMessage", sendMessageRequest{ChatID: chat, Text: text, ReplyMarkup: kb})
}

func (b *Bot) editMessageText(ctx context.Context, chat int64, id int, text string, kb *inlineKeyboard) error {
	return b.call(ctx, "editMessageText", editMessageTextRequest{ChatID: chat, MessageID: id, Text: text, ReplyMarkup: kb})
}
