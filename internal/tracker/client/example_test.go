package client_test

import (
	"fmt"

	"shoal/internal/tracker/client"
)

func ExampleParseHTTPAnnounce() {
	body := []byte("d8:intervali900e5:peers12:\x0a\x00\x00\x01\x1a\xe1\x0a\x00\x00\x02\x1a\xe2e")
	resp, err := client.ParseHTTPAnnounce(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Interval, resp.Peers)

	_, err = client.ParseHTTPAnnounce([]byte("d14:failure reason9:not founde"))
	fmt.Println(err)
	// Output:
	// 15m0s [10.0.0.1:6881 10.0.0.2:6882]
	// tracker: failure reason: not found
}
