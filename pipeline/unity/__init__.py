"""The Unity project side: deploying exported models into a project's Assets folder and the checkpoint
watcher that feeds it (the hot-swap path)."""
