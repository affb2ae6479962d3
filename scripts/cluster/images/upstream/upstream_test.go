package upstream

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

func TestDescribe(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&net.DNSError{Name: "helloworld", Err: "no such host", IsNotFound: true}, "could not resolve"},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "refused"},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), "timed out"},
		{fmt.Errorf("something else"), "something else"},
	}
	for _, c := range cases {
		got := Describe("http://x/", c.err)
		if !strings.Contains(got, c.want) {
			t.Errorf("Describe(%v) = %q, want it to contain %q", c.err, got, c.want)
		}
	}
}

func TestCallRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, _, err = Call("GET", "http://"+addr+"/", "", nil)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Call to a closed port: %v, want a refusal", err)
	}
}
