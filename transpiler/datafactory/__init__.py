"""Product-Live Data Factory: run the structure pull, the publication and the follow-up as custom tasks.

- `api`: the Data Factory REST client (X-Api-Key, 50 requests per minute, backoff on 429/5xx);
- `definitions`: the custom tasks this project declares in a Product-Live account;
- `worker`: polls the tasks, runs them (`structure_task`, `publish_task`, `reconcile_task`) and
  reports back;
- `standin`: a local stand-in for the Product-Live endpoints the worker uses, written
  independently of the client so that tests make two implementations agree.

See docs/datafactory.md.
"""
