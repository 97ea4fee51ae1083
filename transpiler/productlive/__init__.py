"""Product-Live items XML: the streaming, hardened reader of exports and the acknowledgement writer."""
