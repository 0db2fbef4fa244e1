"""The worker: the job runner and every periodic task, apart from the pages (`make worker`), or inside the web
process on the embedded default (WORKER_IN_PROCESS)."""
