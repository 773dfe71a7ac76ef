"""Tamper-evident records: rows of the models that declare ``SEALED_FIELDS`` are gathered into
signed blocks whose Merkle roots chain to the previous block (as Certificate Transparency logs
do), so a row changed, deleted or reordered behind the application's back is found and named."""
