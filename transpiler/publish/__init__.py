"""Publishing Product-Live items to Amazon: items → attributes → validation → submission → acknowledgement.

Entry point: `transpiler.publish.run.publish(...)`; the journal (`journal.py`) makes runs resumable
and idempotent.
"""
