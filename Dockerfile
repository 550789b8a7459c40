# papers-bot: one image for both chat apps (`papers-bot slack`, `papers-bot discord`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first (pinned by requirements.lock), so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install --no-deps .

RUN useradd --create-home --uid 10001 papers
USER papers
ENV PAPERS_DATA_DIR=/home/papers/data LOG_FORMAT=json

EXPOSE 3000
CMD ["papers-bot", "slack"]
