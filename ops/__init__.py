"""Operations: backups and restores, and the health check for load balancers and monitoring."""
