// A Go program for tryagain doctor's test: Go makes its own system calls.
package main

import "fmt"

func main() {
	fmt.Println("hello from Go")
}
