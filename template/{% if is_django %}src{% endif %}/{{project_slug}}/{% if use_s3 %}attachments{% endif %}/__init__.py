"""File attachments on items: uploads and downloads through presigned URLs.

The bytes never pass through the API: clients upload to S3 (S3_BUCKET) with a presigned
POST and download with a presigned GET, or a CDN URL. With no bucket (the embedded
default) the service itself stands in for S3, storing files under MEDIA_ROOT behind
signed, expiring URLs of the same shape (views.py: /uploads/<token>, /files/<token>).
"""
