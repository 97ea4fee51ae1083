"""A local stand-in for the Product-Live Data Factory API (`pl-amazon datafactory serve`).

Same paths and payloads as api.product-live.com for what the worker and the jobs use: custom
tasks and their polling, task executions, files, jobs loaded from `jobs/`, job executions that run
their tasks in order, and the built-in `table-export-items`, `table-import-items` and
`table-import-schema` tasks against a local table store. It shares no code with the worker's
client (`transpiler.datafactory.api`): tests run one against the other.
"""
