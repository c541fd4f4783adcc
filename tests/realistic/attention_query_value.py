"""The Attention layer's documented example: a CNN+attention network over query and value token sequences."""

import tensorflow as tf

vocab_size = 1000
embedding_dims = 64
filters = 100

# Variable-length int sequences.
query_input = tf.keras.Input(shape=(None,), dtype="int32")
value_input = tf.keras.Input(shape=(None,), dtype="int32")

# Embedding lookup.
token_embedding = tf.keras.layers.Embedding(input_dim=vocab_size, output_dim=embedding_dims)
# Query embeddings of shape [batch_size, Tq, dimension].
query_embeddings = token_embedding(query_input)
# Value embeddings of shape [batch_size, Tv, dimension].
value_embeddings = token_embedding(value_input)

# CNN layer.
cnn_layer = tf.keras.layers.Conv1D(filters=filters, kernel_size=4, padding="same")
# Query encoding of shape [batch_size, Tq, filters].
query_seq_encoding = cnn_layer(query_embeddings)
# Value encoding of shape [batch_size, Tv, filters].
value_seq_encoding = cnn_layer(value_embeddings)

# Query-value attention of shape [batch_size, Tq, filters].
query_value_attention_seq = tf.keras.layers.Attention()([query_seq_encoding, value_seq_encoding])

# Reduce over the sequence axis to produce encodings of shape [batch_size, filters].
query_encoding = tf.keras.layers.GlobalAveragePooling1D()(query_seq_encoding)
query_value_attention = tf.keras.layers.GlobalAveragePooling1D()(query_value_attention_seq)

# Concatenate query and document encodings to produce a DNN input layer.
input_layer = tf.keras.layers.Concatenate()([query_encoding, query_value_attention])

outputs = tf.keras.layers.Dense(1)(input_layer)
model = tf.keras.Model([query_input, value_input], outputs)
