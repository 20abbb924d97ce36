"""What the jobs app tells the rest of the project: `job_finished(sender=Job, job=...)`,
sent once a job's final state is saved (e.g. for events pushed to its owner).
"""

from django.dispatch import Signal

job_finished = Signal()
