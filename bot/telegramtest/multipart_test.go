package telegramtest

import (
	"io"
	"mime/multipart"
)

// multipartBody writes a multipart form as the Telegram library does for
// uploads.
type multipartBody struct{ w *multipart.Writer }

func newMultipart(out io.Writer) *multipartBody { return &multipartBody{w: multipart.NewWriter(out)} }

func (m *multipartBody) field(k, v string) { _ = m.w.WriteField(k, v) }

func (m *multipartBody) file(k, name string, content []byte) {
	f, _ := m.w.CreateFormFile(k, name)
	_, _ = f.Write(content)
}

func (m *multipartBody) close() { _ = m.w.Close() }

func (m *multipartBody) contentType() string { return m.w.FormDataContentType() }
