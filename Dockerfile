# One image for web, worker, beat and the Caselle simulator (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN useradd --create-home portal && mkdir -p /app/var/media /app/var/private && chown -R portal /app/var
USER portal
# collectstatic needs settings but no services: give it throwaway production values.
RUN DJANGO_ENV=production DJANGO_SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    BASE_DOMAIN=build.invalid DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://build.invalid:6379/0 \
    EMAIL_HOST=build.invalid python manage.py collectstatic --no-input -v0
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
