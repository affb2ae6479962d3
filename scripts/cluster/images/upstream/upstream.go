// Package upstream is the one way the stand-ins call a peer over HTTP and report a failed call, in
// words the lab's verify classifies (live/probes.ts classifyHttp reads the body of a failed
// proxied call): a name that did not resolve says "could not resolve", a drop says "timed out", a
// refusal says "refused".
package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// Timeout bounds one upstream call, connect included.
const Timeout = 5 * time.Second

var client = &http.Client{Timeout: Timeout}

// Call sends one request (body may be nil) and returns the status and body of the answer.
// The error, when not nil, is already phrased by Describe.
func Call(method, url, contentType string, body io.Reader) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, nil, fmt.Errorf("upstream %s: bad request: %v", url, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, errors.New(Describe(url, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, errors.New(Describe(url, err))
	}
	return resp.StatusCode, data, nil
}

// Describe phrases a failed call to url: "could not resolve", "timed out", "refused" or the error.
func Describe(url string, err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("upstream %s: could not resolve host %q: %v", url, dnsErr.Name, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("upstream %s: connection refused: %v", url, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("upstream %s: connection timed out after %s: %v", url, Timeout, err)
	default:
		return fmt.Sprintf("upstream %s: %v", url, err)
	}
}

func isTimeout(err error) bool {
	var netErr net.Error
	return (errors.As(err, &netErr) && netErr.Timeout()) || strings.Contains(err.Error(), "Client.Timeout")
}

// Fail answers 502 with the reason as plain text.
func Fail(w http.ResponseWriter, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintln(w, reason)
}

// Listen returns ":<port>", the port from the environment variable name or the default.
func Listen(envName string, port int) string {
	if v := os.Getenv(envName); v != "" {
		return ":" + v
	}
	return fmt.Sprintf(":%d", port)
}
