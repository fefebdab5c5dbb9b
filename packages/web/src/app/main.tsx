import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { isNotFound, isUnauthenticated } from '../lib/api';
import { SESSION_KEY } from '../features/auth/session';
import { App } from './App';
import './styles.css';

const client: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    // A session that ended elsewhere (signed out, expired): back to the sign-in form.
    onError: (error, query) => {
      if (isUnauthenticated(error) && query.queryKey[0] !== SESSION_KEY[0]) client.setQueryData(SESSION_KEY, null);
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      // 4xx are answers, not hiccups: retrying a not-found or a bad filter only delays the message.
      retry: (count, error) => !isNotFound(error) && !(error instanceof Error && 'status' in error && Number(error.status) < 500) && count < 2,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
