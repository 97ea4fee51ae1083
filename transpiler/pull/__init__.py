"""`pl-amazon pull`: product type definitions fetched from Amazon into the definitions store.

`fetch` talks to the Selling Partner API (through `transpiler.spapi`) and writes the store
(`transpiler.amazon.definitions` reads it); `report` renders what changed (through the compiler's
`diff`). It sits beside the publisher, above the client and the compiler: the formats package
(`transpiler.amazon`) stays free of network code.
"""
