# Tactful's image, for docker-compose.yml (PostgreSQL mode) or on its own (TinyDB in /app/data).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# HTTP mode listens on all interfaces inside the container; the compose file puts a proxy in front.
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
CMD ["python", "bot.py"]
