package bencode_test

import (
	"fmt"

	"shoal/internal/bencode"
)

func Example() {
	type file struct {
		Name   string   `bencode:"name"`
		Length int64    `bencode:"length"`
		Tags   []string `bencode:"tags,omitempty"`
	}
	out, err := bencode.Marshal(file{Name: "a.txt", Length: 12})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", out)

	var f file
	if err := bencode.Unmarshal([]byte("d6:lengthi7e4:name1:b4:tagsl1:xee"), &f); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", f)

	_, err = bencode.Decode([]byte("i03e"))
	fmt.Println(err)
	// Output:
	// d6:lengthi12e4:name5:a.txte
	// {Name:b Length:7 Tags:[x]}
	// bencode: offset 0: integer with leading zero
}
