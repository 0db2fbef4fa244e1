"""Commands an operator runs by hand (`make migrate-blobs`), each a thin shell over a service."""
