"""The local SP-API sandbox: a real HTTP server that speaks Amazon's documented contract.

Login with Amazon (`/auth/o2/token`), a Vendor Central consent page, Product Type Definitions
2020-09-01, Listings Items 2021-08-01 and Feeds 2021-06-30 (JSON_LISTINGS_FEED), with Amazon's
rate limits, asynchronous processing and fault injection. `make demo` runs the real client against
it over loopback, the tests mostly in process; see docs/sandbox.md.

Entry points: `transpiler.sandbox.runner.open_sandbox` (in process, no socket, manual clock),
`transpiler.sandbox.runner.start_sandbox` (loopback port, background thread) and `pl-amazon sandbox`
(foreground).
"""
