"""The signed-in floor: the least a signed-in Django page can cost (a database session, one
indexed query on the user table, a 20-row template), served beside the portal by bench/pages.py
so that each page's throughput can be read as a share of it. Not part of the product."""
