# The API (and `hotline ingest`) for docker-compose.yml: one image, the role is the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# The CPU build of torch first, or pip pulls GBs of CUDA packages (as `make setup` does).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY ingest ./ingest
COPY evals ./evals
RUN pip install .
COPY knowledge ./knowledge
# Never root: the data dir (this container's own index copy and logs) belongs to the service user.
RUN useradd --system --uid 10001 --home /app hotline && mkdir -p /var/hotline /shared-index \
    && chown hotline /var/hotline /shared-index
USER hotline
ENV HOTLINE_DATA_DIR=/var/hotline HOTLINE_KNOWLEDGE_DIR=/app/knowledge
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["hotline", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
