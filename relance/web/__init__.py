"""The web app: provider webhooks, health check, and the mount point of the agent console."""
