"""RabbitMQ adapters (the ``rabbitmq`` extra: pika): the event queue on a durable quorum
queue (``TASKFLOW_QUEUE_URL=amqp://...``)."""

from taskflow.adapters.rabbitmq.queue import RabbitMQQueue

__all__ = ["RabbitMQQueue"]
